import ArgumentParser
import QuiverServer

#if canImport(CJemalloc)
import CJemalloc

/// The allocator this executable links (jemalloc on Linux, as Redis does: the daemon's commands
/// allocate and free small buffers at a high rate, which glibc's malloc serves markedly slower),
/// read from jemalloc itself so that `INFO memory` reports what really runs.
func linkedAllocator() -> String {
    var version: UnsafePointer<CChar>?
    var length = MemoryLayout<UnsafePointer<CChar>?>.size
    guard mallctl("version", &version, &length, nil, 0) == 0, let version else { return "libc" }
    let full = String(cString: version)  // "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c"
    return "jemalloc-" + (full.split(separator: "-").first.map(String.init) ?? full)
}
#else
/// The allocator this executable runs on: the system's.
func linkedAllocator() -> String { "libc" }
#endif

// Parsed and run by hand: in top-level code `QuiverdCommand.main()` resolves to the synchronous
// entry point, which refuses asynchronous commands.
do {
    let command = try QuiverdCommand.parse()
    try await command.run(allocator: linkedAllocator())
} catch {
    QuiverdCommand.exit(withError: error)
}
