#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The memory of this process, as the kernel counts it.
enum ProcessMemory {
    /// Resident set size in bytes: the second field of `/proc/self/statm` (pages) times the page
    /// size (`sysconf(_SC_PAGESIZE)`), read with `open(2)`/`read(2)`; `nil` where there is no
    /// `/proc` (macOS) or it cannot be read.
    static func residentBytes() -> Int? {
        let descriptor = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 256)
        var count = -1
        repeat {
            count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        } while count < 0 && errno == EINTR
        guard count > 0 else { return nil }
        return residentBytes(statm: bytes[..<count], pageSize: Int(sysconf(Int32(_SC_PAGESIZE))))
    }

    /// The resident bytes a `/proc/self/statm` text gives (`size resident shared ...`, in pages).
    static func residentBytes(statm: ArraySlice<UInt8>, pageSize: Int) -> Int? {
        let fields = statm.split(separator: UInt8(ascii: " "))
        guard fields.count >= 2, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        return pages * pageSize
    }
}
