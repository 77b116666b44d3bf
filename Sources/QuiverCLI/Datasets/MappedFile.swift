#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A whole file mapped read-only, so that readers decode vectors straight from the page cache
/// without a second copy of a multi-gigabyte file.
///
/// The mapping lives until the object is released; reach the bytes only inside ``withBytes(_:)``.
package final class MappedFile {
    /// The path as given.
    package let path: String
    /// File size in bytes.
    package let count: Int
    private let base: UnsafeMutableRawPointer?

    /// Maps `path`.
    ///
    /// Calls `open(2)`, `fstat(2)` and `mmap(2)`; `open` is retried on `EINTR`.
    ///
    /// - Throws: `CLIError.notFound` when the file does not exist, `CLIError.io` when it cannot be
    ///   opened or mapped or is not a regular file.
    package init(path: String) throws(CLIError) {
        self.path = path
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw .notFound("\(path): no such file") }
            throw .io("\(path): cannot open: \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw .io("\(path): cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .io("\(path): not a regular file") }
        count = Int(info.st_size)
        guard count > 0 else {
            base = nil
            return
        }
        let address = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw .io("\(path): cannot map \(count) bytes: \(String(cString: strerror(errno)))")
        }
        base = address
    }

    deinit {
        if let base { munmap(base, count) }
    }

    /// Calls `body` with the file's bytes; they must not escape it.
    package func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base.map { UnsafeRawPointer($0) }, count: count))
    }

    /// The file name without its directory.
    package var fileName: String { Self.fileName(of: path) }

    /// The last path component of `path`.
    package static func fileName(of path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    /// The lowercased extension of `path` (after the last dot of the file name), or "".
    package static func fileExtension(of path: String) -> String {
        let name = fileName(of: path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...]).lowercased()
    }
}
