public import SystemPackage

/// Every operating-system call the storage engine makes: files, directories, locks and maps.
///
/// All storage components reach the disk only through this protocol, so tests can substitute an
/// in-memory file system that simulates crashes (`SimFS`) or a wrapper that injects faults
/// (`FaultyFileIO`); production uses ``PosixFileIO``. Like LevelDB's `Env`.
///
/// Contract for conformers:
/// - ``read(_:fromAbsoluteOffset:into:)`` and ``write(_:toAbsoluteOffset:_:)`` are *full*: they
///   retry `EINTR` and continue after short transfers, so a write either wrote every byte or threw
///   (possibly after writing a prefix).
/// - ``close(_:)`` is not a sync: data not yet passed to ``synchronize(_:dataOnly:)`` may be lost
///   on power failure even after a successful close.
/// - A new directory entry (a created, renamed or removed file) survives power loss only after
///   ``synchronizeDirectory(_:)`` on its parent.
/// - Errors are ``StorageError``s; a missing file is ``StorageError/Code/notFound``.
public protocol FileIO: Sendable {
    /// Opens (and, with `.create`, creates) the file at `path`.
    ///
    /// - Parameters:
    ///   - path: The file to open.
    ///   - access: Whether the handle may write.
    ///   - options: Creation and truncation flags.
    /// - Returns: A handle to pass to the other calls; release it with ``close(_:)``.
    /// - Throws: ``StorageError/Code/notFound`` when the file (or, with `.create`, its directory)
    ///   is missing; ``StorageError/Code/io(_:)`` with `EEXIST` for `.exclusiveCreate` on an existing file.
    func open(_ path: FilePath, access: FileAccess, options: FileOpenOptions) throws(StorageError) -> FileIOHandle

    /// Releases `file`. Not a sync.
    func close(_ file: FileIOHandle) throws(StorageError)

    /// Reads up to `buffer.count` bytes at `offset`, stopping early only at end of file.
    ///
    /// - Returns: The number of bytes read; less than `buffer.count` only at end of file.
    func read(_ file: FileIOHandle, fromAbsoluteOffset offset: Int64, into buffer: UnsafeMutableRawBufferPointer)
        throws(StorageError) -> Int

    /// Writes all of `bytes` at `offset`, extending the file if needed.
    ///
    /// - Throws: ``StorageError/Code/io(_:)``; a prefix of `bytes` may have been written.
    func write(_ file: FileIOHandle, toAbsoluteOffset offset: Int64, _ bytes: UnsafeRawBufferPointer)
        throws(StorageError)

    /// The file's current size in bytes.
    func size(of file: FileIOHandle) throws(StorageError) -> Int64

    /// Makes the file's written data (and, unless `dataOnly`, all its metadata) durable.
    ///
    /// `dataOnly` still persists the size when it changed (POSIX `fdatasync`). After a failure the
    /// state of the data is unknown: never retry as if a second call could make it durable.
    func synchronize(_ file: FileIOHandle, dataOnly: Bool) throws(StorageError)

    /// Truncates or extends (with zeros) the file to `size` bytes.
    func resize(_ file: FileIOHandle, to size: Int64) throws(StorageError)

    /// Takes an exclusive advisory lock on the file without waiting.
    ///
    /// - Throws: ``StorageError/Code/io(_:)`` with `EWOULDBLOCK` when another handle holds it.
    func lock(_ file: FileIOHandle) throws(StorageError)

    /// Releases the lock taken by ``lock(_:)``; closing the handle also releases it.
    func unlock(_ file: FileIOHandle) throws(StorageError)

    /// Maps the whole file read-only; the region stays valid after the handle is closed.
    ///
    /// - Returns: A region that unmaps itself when released.
    func map(_ file: FileIOHandle) throws(StorageError) -> MappedRegion

    /// Atomically replaces `destination` with `source` (both in the same file system).
    func rename(_ source: FilePath, to destination: FilePath) throws(StorageError)

    /// Removes the file at `path`.
    func remove(_ path: FilePath) throws(StorageError)

    /// Gives the file at `source` a second name, `destination` (a hard link; same file system).
    ///
    /// Both names then reach the same content; removing one leaves the other. Like a created file,
    /// the new entry survives power loss only after ``synchronizeDirectory(_:)`` on its parent.
    /// Used for online backups of immutable files (segments), which are never written again.
    ///
    /// - Throws: ``StorageError/Code/notFound`` when `source` (or `destination`'s directory) is
    ///   missing; ``StorageError/Code/io(_:)`` with `EEXIST` when `destination` exists, `EXDEV`
    ///   across file systems, `EPERM` for a directory.
    func link(_ source: FilePath, to destination: FilePath) throws(StorageError)

    /// Creates the directory `path` (its parent must exist).
    func createDirectory(_ path: FilePath) throws(StorageError)

    /// Makes the directory's entries (files created, renamed or removed in it) durable.
    func synchronizeDirectory(_ path: FilePath) throws(StorageError)

    /// The names in directory `path`, without `.` and `..`, in no particular order.
    func contentsOfDirectory(_ path: FilePath) throws(StorageError) -> [String]
}

/// What a ``FileIOHandle`` may do.
public enum FileAccess: Sendable, Hashable {
    /// Reads only.
    case readOnly
    /// Reads and writes.
    case readWrite
}

/// How ``FileIO/open(_:access:options:)`` treats a missing or existing file.
public struct FileOpenOptions: OptionSet, Sendable, Hashable {
    /// The flag bits.
    public let rawValue: UInt8
    /// Creates options from flag bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Creates the file when it is missing (`O_CREAT`, mode 0644 before umask).
    public static let create = FileOpenOptions(rawValue: 1 << 0)
    /// With `.create`, fails with `EEXIST` when the file exists (`O_EXCL`).
    public static let exclusiveCreate = FileOpenOptions(rawValue: 1 << 1)
    /// Truncates an existing file to zero bytes (`O_TRUNC`).
    public static let truncate = FileOpenOptions(rawValue: 1 << 2)
}

/// An open file of some ``FileIO``; valid only with the `FileIO` that returned it, until closed.
public struct FileIOHandle: Hashable, Sendable, CustomStringConvertible {
    /// The descriptor number (or a simulated one).
    public let rawValue: Int32
    /// Wraps a descriptor number.
    public init(rawValue: Int32) { self.rawValue = rawValue }
    /// `fd N`.
    public var description: String { "fd \(rawValue)" }
}

extension FileIO {
    /// Writes all of `bytes` at `offset`.
    ///
    /// - Throws: ``StorageError/Code/io(_:)``; a prefix of `bytes` may have been written.
    public func write(_ file: FileIOHandle, toAbsoluteOffset offset: Int64, _ bytes: [UInt8]) throws(StorageError) {
        let result: Result<Void, StorageError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(StorageError) in try write(file, toAbsoluteOffset: offset, buffer) }
        }
        try result.get()
    }

    /// Writes all of `bytes` at the current end of file.
    ///
    /// - Returns: The offset the bytes were written at.
    /// - Complexity: One ``size(of:)`` and one ``write(_:toAbsoluteOffset:_:)-swift.method``.
    @discardableResult
    public func append(_ file: FileIOHandle, _ bytes: [UInt8]) throws(StorageError) -> Int64 {
        let end = try size(of: file)
        try write(file, toAbsoluteOffset: end, bytes)
        return end
    }

    /// Reads up to `count` bytes at `offset`; fewer only at end of file.
    public func read(_ file: FileIOHandle, fromAbsoluteOffset offset: Int64, count: Int) throws(StorageError) -> [UInt8] {
        precondition(count >= 0, "negative read count")
        var bytes = [UInt8](repeating: 0, count: count)
        let result: Result<Int, StorageError> = bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(StorageError) in try read(file, fromAbsoluteOffset: offset, into: buffer) }
        }
        let got = try result.get()
        bytes.removeLast(count - got)
        return bytes
    }

    /// The whole content of the file at `path`.
    ///
    /// - Complexity: O(file size).
    public func readContents(of path: FilePath) throws(StorageError) -> [UInt8] {
        let file = try open(path, access: .readOnly, options: [])
        defer { try? close(file) }
        let size = try self.size(of: file)
        guard let count = Int(exactly: size) else {
            throw StorageError(.resourceExhausted, "file too large to read into memory", file: path)
        }
        return try read(file, fromAbsoluteOffset: 0, count: count)
    }

    /// Whether `name` exists in directory `directory`.
    public func fileExists(_ name: String, in directory: FilePath) throws(StorageError) -> Bool {
        try contentsOfDirectory(directory).contains(name)
    }
}
