internal import QuiverIndex
internal import SystemPackage

/// The advisory lock that keeps a second process (or a second open in this one) out of a data
/// directory: an exclusive `flock` on its `LOCK` file, held until ``release()``.
///
/// `flock` locks belong to an open file description, so a second ``acquire(fileIO:layout:)`` of
/// the same directory fails even inside one process. The lock goes away with the process, so a
/// crash never leaves a directory locked; the `LOCK` file itself stays and means nothing.
public final class DataDirectoryLock: Sendable {
    /// The locked directory.
    public let layout: DataDirectoryLayout
    private let fileIO: any FileIO
    private let file: Locked<FileIOHandle?>

    private init(layout: DataDirectoryLayout, fileIO: any FileIO, file: FileIOHandle) {
        self.layout = layout
        self.fileIO = fileIO
        self.file = Locked(file)
    }

    deinit { try? release() }

    /// Creates (or opens) `LOCK` in the data directory and takes its exclusive lock.
    ///
    /// - Parameters:
    ///   - fileIO: The file system.
    ///   - layout: The data directory, which must exist.
    /// - Returns: The held lock; release it with ``release()`` (dropping it also releases it).
    /// - Throws: ``StorageError/Code/io(_:)`` with `EWOULDBLOCK` and the message "data directory
    ///   … is in use by another Quiver process (LOCK is held)" when the lock is held; other
    ///   ``StorageError``s when `LOCK` cannot be opened.
    public static func acquire(
        fileIO: any FileIO, layout: DataDirectoryLayout
    ) throws(StorageError) -> DataDirectoryLock {
        let file = try fileIO.open(layout.lockFile, access: .readWrite, options: [.create])
        do {
            try fileIO.lock(file)
        } catch {
            try? fileIO.close(file)
            if error.code == .io(.wouldBlock) {
                throw StorageError(
                    error.code, "data directory \(layout.root) is in use by another Quiver process (LOCK is held)",
                    file: layout.lockFile)
            }
            throw error.at(layout.lockFile)
        }
        return DataDirectoryLock(layout: layout, fileIO: fileIO, file: file)
    }

    /// Whether the lock is still held.
    public var isHeld: Bool { file.withLock { $0 != nil } }

    /// Releases the lock and closes `LOCK`; later calls do nothing.
    ///
    /// - Throws: ``StorageError`` when unlocking or closing fails (the descriptor is closed anyway,
    ///   which releases the lock).
    public func release() throws(StorageError) {
        try file.withLock { (file: inout FileIOHandle?) throws(StorageError) in
            guard let handle = file else { return }
            file = nil
            do throws(StorageError) {
                try fileIO.unlock(handle)
            } catch {
                try? fileIO.close(handle)
                throw error.at(layout.lockFile)
            }
            try fileIO.close(handle)
        }
    }
}
