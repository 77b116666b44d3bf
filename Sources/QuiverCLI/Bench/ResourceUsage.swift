internal import Foundation
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The process's resident memory, measured the way peers.py measures it.
package enum ResourceUsage {
    /// Peak resident set size in bytes: `getrusage(RUSAGE_SELF).ru_maxrss` × 1024 (Linux reports
    /// kibibytes), which is what peers.py reports as `peak_rss_bytes`.
    package static func peakResidentBytes() -> Int {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss) * 1024
    }

    /// Current resident set size in bytes: the second field of `/proc/self/statm` (pages) times
    /// the page size; 0 where `/proc` is unavailable.
    package static func currentResidentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Returns freed heap memory to the system (`malloc_trim(0)` on glibc), so that a following
    /// ``currentResidentBytes()`` is not inflated by pages freed earlier and then reused silently
    /// by the index (which would hide its growth).
    package static func releaseFreedMemory() {
        // `malloc_trim` is declared in <malloc.h>, which the Glibc module does not export; it is
        // looked up by name (`RTLD_DEFAULT` is the null handle on glibc).
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        typealias MallocTrim = @convention(c) (Int) -> Int32
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    }
}
