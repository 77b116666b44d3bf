public import SystemPackage

#if canImport(Glibc)
internal import Glibc
private typealias CStat = Glibc.stat
#elseif canImport(Darwin)
internal import Darwin
private typealias CStat = Darwin.stat
#endif

// The calls swift-system 1.8.1 lacks (`fsync`, `fdatasync`, `flock`, `fstat` size, `mmap`), in its
// style: Swift names, the C call named in each doc comment, and an explicit `EINTR` policy.
extension FileDescriptor {
    /// Flushes the file's data, and unless `dataOnly` its metadata, to stable storage.
    ///
    /// The corresponding C functions are `fdatasync` (`dataOnly`) and `fsync`; on Darwin both use
    /// `fcntl(F_FULLFSYNC)`, since plain `fsync` there does not flush the drive's cache.
    /// On `EINTR` the call is repeated when `retryOnInterrupt` is true (nothing was lost: the
    /// kernel had not started reporting). Any other failure must not be retried as if a second
    /// call could succeed: the kernel may already have dropped the dirty pages.
    ///
    /// - Parameters:
    ///   - dataOnly: Skip metadata not needed to read the data back (timestamps).
    ///   - retryOnInterrupt: Whether to repeat the call after `EINTR`. The default is `true`.
    public func synchronize(dataOnly: Bool = false, retryOnInterrupt: Bool = true) throws(Errno) {
        try Self.retrying(retryOnInterrupt) {
            #if canImport(Darwin)
            fcntl(rawValue, F_FULLFSYNC)
            #else
            dataOnly ? fdatasync(rawValue) : fsync(rawValue)
            #endif
        }
    }

    /// Takes (or, with `exclusive: false`, shares) an advisory whole-file lock without waiting.
    ///
    /// The corresponding C function is `flock` with `LOCK_EX` or `LOCK_SH` plus `LOCK_NB`. The lock
    /// belongs to the open file description: a second `open` of the same file, even in this process,
    /// cannot take it. On `EINTR` the call is repeated when `retryOnInterrupt` is true.
    ///
    /// - Throws: `Errno.wouldBlock` when another open file description holds a conflicting lock.
    public func lock(exclusive: Bool = true, retryOnInterrupt: Bool = true) throws(Errno) {
        try Self.retrying(retryOnInterrupt) { flock(rawValue, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) }
    }

    /// Releases a lock taken by ``lock(exclusive:retryOnInterrupt:)``.
    ///
    /// The corresponding C function is `flock` with `LOCK_UN`. On `EINTR` the call is repeated
    /// when `retryOnInterrupt` is true.
    public func unlock(retryOnInterrupt: Bool = true) throws(Errno) {
        try Self.retrying(retryOnInterrupt) { flock(rawValue, LOCK_UN) }
    }

    /// The file's size in bytes.
    ///
    /// The corresponding C function is `fstat` (`st_size`). It does not fail with `EINTR`.
    public func fileSize() throws(Errno) -> Int64 {
        var info = CStat()
        try Self.retrying(false) { fstat(rawValue, &info) }
        return Int64(info.st_size)
    }

    /// Maps the first `length` bytes of the file read-only and shared.
    ///
    /// The corresponding C function is `mmap` with `PROT_READ` and `MAP_SHARED`; release the region
    /// with `munmap`. It does not fail with `EINTR`.
    ///
    /// - Parameter length: Bytes to map; must be positive.
    /// - Returns: The start of the mapping.
    package func mapReadOnly(length: Int) throws(Errno) -> UnsafeRawPointer {
        precondition(length > 0, "mmap of an empty range")
        guard let address = mmap(nil, length, PROT_READ, MAP_SHARED, rawValue, 0), address != MAP_FAILED else {
            throw Errno(rawValue: errno)
        }
        return UnsafeRawPointer(address)
    }

    /// Runs a C call that returns -1 and sets `errno` on failure, repeating it after `EINTR` when asked.
    private static func retrying(_ retryOnInterrupt: Bool, _ call: () -> CInt) throws(Errno) {
        while true {
            if call() != -1 { return }
            let failure = Errno(rawValue: errno)
            if failure == .interrupted && retryOnInterrupt { continue }
            throw failure
        }
    }
}
