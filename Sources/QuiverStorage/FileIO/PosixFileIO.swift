public import SystemPackage

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The production ``FileIO``: POSIX calls through swift-system's `FileDescriptor` and the
/// storage extensions on it (`fsync`, `fdatasync`, `flock`, `mmap`).
///
/// Every call retries `EINTR`; reads and writes continue after short transfers.
public struct PosixFileIO: FileIO {
    /// Creates the production file I/O.
    public init() {}

    /// Opens with `open(2)`; `O_CLOEXEC` is always set.
    public func open(_ path: FilePath, access: FileAccess, options: FileOpenOptions) throws(StorageError) -> FileIOHandle {
        var flags: FileDescriptor.OpenOptions = [.closeOnExec]
        if options.contains(.create) { flags.insert(.create) }
        if options.contains(.exclusiveCreate) { flags.insert(.exclusiveCreate) }
        if options.contains(.truncate) { flags.insert(.truncate) }
        let mode: FileDescriptor.AccessMode = access == .readOnly ? .readOnly : .readWrite
        do {
            let descriptor = try FileDescriptor.open(
                path, mode, options: flags, permissions: options.contains(.create) ? [.ownerReadWrite, .groupRead, .otherRead] : nil,
                retryOnInterrupt: true)
            return FileIOHandle(rawValue: descriptor.rawValue)
        } catch {
            throw .system(error as? Errno ?? .ioError, "open", file: path)
        }
    }

    /// Closes with `close(2)`; `EINTR` is not retried (Linux has already released the descriptor).
    public func close(_ file: FileIOHandle) throws(StorageError) {
        do {
            try FileDescriptor(rawValue: file.rawValue).close()
        } catch {
            let errno = error as? Errno ?? .ioError
            if errno == .interrupted { return }
            throw .system(errno, "close")
        }
    }

    /// Reads with `pread(2)` until the buffer is full or end of file, retrying `EINTR`.
    public func read(_ file: FileIOHandle, fromAbsoluteOffset offset: Int64, into buffer: UnsafeMutableRawBufferPointer)
        throws(StorageError) -> Int
    {
        let descriptor = FileDescriptor(rawValue: file.rawValue)
        let result = Self.readFully(into: buffer, fromAbsoluteOffset: offset) { chunk, position in
            Result { try descriptor.read(fromAbsoluteOffset: position, into: chunk, retryOnInterrupt: false) }
                .mapError { $0 as? Errno ?? .ioError }
        }
        switch result {
        case .success(let count): return count
        case .failure(let errno): throw .system(errno, "pread", offset: offset)
        }
    }

    /// Writes with `pwrite(2)` until every byte is written, retrying `EINTR` and short writes.
    public func write(_ file: FileIOHandle, toAbsoluteOffset offset: Int64, _ bytes: UnsafeRawBufferPointer)
        throws(StorageError)
    {
        let descriptor = FileDescriptor(rawValue: file.rawValue)
        let result = Self.writeFully(bytes, toAbsoluteOffset: offset) { chunk, position in
            Result { try descriptor.write(toAbsoluteOffset: position, chunk, retryOnInterrupt: false) }
                .mapError { $0 as? Errno ?? .ioError }
        }
        if case .failure(let errno) = result { throw .system(errno, "pwrite", offset: offset) }
    }

    /// The size from `fstat(2)`.
    public func size(of file: FileIOHandle) throws(StorageError) -> Int64 {
        do { return try FileDescriptor(rawValue: file.rawValue).fileSize() } catch { throw .system(error, "fstat") }
    }

    /// `fdatasync(2)` or `fsync(2)`, retrying `EINTR` only; any other failure is reported, never retried.
    public func synchronize(_ file: FileIOHandle, dataOnly: Bool) throws(StorageError) {
        do {
            try FileDescriptor(rawValue: file.rawValue).synchronize(dataOnly: dataOnly)
        } catch {
            throw .system(error, dataOnly ? "fdatasync" : "fsync")
        }
    }

    /// `ftruncate(2)`, retrying `EINTR`.
    public func resize(_ file: FileIOHandle, to size: Int64) throws(StorageError) {
        do {
            try FileDescriptor(rawValue: file.rawValue).resize(to: size, retryOnInterrupt: true)
        } catch {
            throw .system(error as? Errno ?? .ioError, "ftruncate", offset: size)
        }
    }

    /// `flock(2)` with `LOCK_EX | LOCK_NB`.
    public func lock(_ file: FileIOHandle) throws(StorageError) {
        do {
            try FileDescriptor(rawValue: file.rawValue).lock()
        } catch {
            if error == .wouldBlock {
                throw StorageError(.io(error), "the file is locked by another open handle (another process?)")
            }
            throw .system(error, "flock")
        }
    }

    /// `flock(2)` with `LOCK_UN`.
    public func unlock(_ file: FileIOHandle) throws(StorageError) {
        do { try FileDescriptor(rawValue: file.rawValue).unlock() } catch { throw .system(error, "flock") }
    }

    /// `mmap(2)` of the whole file, `PROT_READ`, `MAP_SHARED`; the region calls `munmap(2)` when released.
    public func map(_ file: FileIOHandle) throws(StorageError) -> MappedRegion {
        let descriptor = FileDescriptor(rawValue: file.rawValue)
        let size = try self.size(of: file)
        guard size > 0 else { return MappedRegion(unsafeBaseAddress: nil, count: 0) { _, _ in } }
        guard let length = Int(exactly: size) else {
            throw StorageError(.resourceExhausted, "file too large to map", offset: size)
        }
        do {
            let base = try descriptor.mapReadOnly(length: length)
            return MappedRegion(unsafeBaseAddress: base, count: length) { base, count in
                munmap(UnsafeMutableRawPointer(mutating: base), count)
            }
        } catch {
            throw .system(error, "mmap")
        }
    }

    /// `rename(2)`.
    public func rename(_ source: FilePath, to destination: FilePath) throws(StorageError) {
        let status = source.withPlatformString { from in
            destination.withPlatformString { to in systemRename(from, to) }
        }
        if status != 0 { throw .system(Errno(rawValue: errno), "rename to \(destination)", file: source) }
    }

    /// `unlink(2)`.
    public func remove(_ path: FilePath) throws(StorageError) {
        let status = path.withPlatformString { unlink($0) }
        if status != 0 { throw .system(Errno(rawValue: errno), "unlink", file: path) }
    }

    /// `link(2)`.
    public func link(_ source: FilePath, to destination: FilePath) throws(StorageError) {
        let status = source.withPlatformString { from in
            destination.withPlatformString { to in systemLink(from, to) }
        }
        if status != 0 { throw .system(Errno(rawValue: errno), "link to \(destination)", file: source) }
    }

    /// `mkdir(2)` with mode 0755 before umask.
    public func createDirectory(_ path: FilePath) throws(StorageError) {
        let status = path.withPlatformString { mkdir($0, 0o755) }
        if status != 0 { throw .system(Errno(rawValue: errno), "mkdir", file: path) }
    }

    /// `open(2)` of the directory, `fsync(2)`, `close(2)`.
    public func synchronizeDirectory(_ path: FilePath) throws(StorageError) {
        let directory: FileDescriptor
        do {
            directory = try FileDescriptor.open(path, .readOnly, options: [.directory, .closeOnExec])
        } catch {
            throw .system(error as? Errno ?? .ioError, "open directory", file: path)
        }
        defer { try? directory.close() }
        do { try directory.synchronize() } catch { throw .system(error, "fsync directory", file: path) }
    }

    /// `opendir(3)` / `readdir(3)`.
    public func contentsOfDirectory(_ path: FilePath) throws(StorageError) -> [String] {
        guard let stream = path.withPlatformString({ opendir($0) }) else {
            throw .system(Errno(rawValue: errno), "opendir", file: path)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw .system(Errno(rawValue: errno), "readdir", file: path) }
                return names
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    // MARK: Full transfers

    /// Calls `pread` until `buffer` is full or it returns 0 (end of file), retrying `EINTR`.
    ///
    /// - Parameter pread: One read of a chunk at a position; returns bytes read or an errno.
    /// - Returns: Bytes read in total.
    package static func readFully(
        into buffer: UnsafeMutableRawBufferPointer, fromAbsoluteOffset offset: Int64,
        _ pread: (UnsafeMutableRawBufferPointer, Int64) -> Result<Int, Errno>
    ) -> Result<Int, Errno> {
        var done = 0
        while done < buffer.count {
            switch pread(UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), offset + Int64(done)) {
            case .success(0): return .success(done)
            case .success(let count): done += count
            case .failure(.interrupted): continue
            case .failure(let errno): return .failure(errno)
            }
        }
        return .success(done)
    }

    /// Calls `pwrite` until every byte of `bytes` is written, retrying `EINTR` and short writes.
    ///
    /// A call that writes nothing without an error is reported as `EIO` rather than looping forever.
    package static func writeFully(
        _ bytes: UnsafeRawBufferPointer, toAbsoluteOffset offset: Int64,
        _ pwrite: (UnsafeRawBufferPointer, Int64) -> Result<Int, Errno>
    ) -> Result<Void, Errno> {
        var done = 0
        while done < bytes.count {
            switch pwrite(UnsafeRawBufferPointer(rebasing: bytes[done...]), offset + Int64(done)) {
            case .success(0): return .failure(.ioError)
            case .success(let count): done += count
            case .failure(.interrupted): continue
            case .failure(let errno): return .failure(errno)
            }
        }
        return .success(())
    }
}

/// `rename(3)`, outside the type so the name resolves to the C function.
private func systemRename(_ source: UnsafePointer<CChar>, _ destination: UnsafePointer<CChar>) -> CInt {
    rename(source, destination)
}

/// `link(2)`, outside the type so the name resolves to the C function.
private func systemLink(_ source: UnsafePointer<CChar>, _ destination: UnsafePointer<CChar>) -> CInt {
    link(source, destination)
}
