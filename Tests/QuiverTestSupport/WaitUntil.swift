#if canImport(Glibc)
private import Glibc
#elseif canImport(Darwin)
private import Darwin
#endif

/// Polls `condition` every millisecond until it holds, for at most `seconds`: for a test that
/// waits on another thread's progress (never on time itself). Returns whether it held.
public func waitUntil(seconds: Int = 10, _ condition: () -> Bool) -> Bool {
    for _ in 0..<(seconds * 1000) {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}
