#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Nanoseconds on the monotonic clock (`CLOCK_MONOTONIC`), for timing commands: one `vDSO` call
/// and integer arithmetic, where `ContinuousClock` adds 128-bit `Duration` arithmetic to every
/// reading (visible in a profile of pipelined `GET`s).
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}
