internal import Synchronization
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Tracks in-flight readers so that memory they might still reach is reused only after they finish.
///
/// Readers enter one of two parities of the current epoch. `waitForReaders` advances the epoch and
/// waits until the previous parity drains: every reader that could have seen memory unlinked before
/// the call has then left. Readers never wait; only the reclaiming writer does.
final class ReaderEpoch: Sendable {
    private let epoch = Atomic<Int>(0)
    private let active0 = Atomic<Int>(0)
    private let active1 = Atomic<Int>(0)

    /// Marks the start of a read; pass the result to `exit`.
    @inline(__always)
    func enter() -> Int {
        while true {
            let e = epoch.load(ordering: .acquiring)
            if e & 1 == 0 {
                active0.wrappingAdd(1, ordering: .sequentiallyConsistent)
            } else {
                active1.wrappingAdd(1, ordering: .sequentiallyConsistent)
            }
            if epoch.load(ordering: .sequentiallyConsistent) == e { return e }
            exit(e)
        }
    }

    /// Marks the end of a read started with `enter`.
    @inline(__always)
    func exit(_ e: Int) {
        if e & 1 == 0 {
            active0.wrappingSubtract(1, ordering: .releasing)
        } else {
            active1.wrappingSubtract(1, ordering: .releasing)
        }
    }

    /// Waits until every reader that entered before this call has exited.
    ///
    /// - Precondition: the caller is not itself inside a read, and calls are serialised.
    func waitForReaders() {
        let old = epoch.wrappingAdd(1, ordering: .sequentiallyConsistent).oldValue
        if old & 1 == 0 {
            while active0.load(ordering: .acquiring) != 0 { sched_yield() }
        } else {
            while active1.load(ordering: .acquiring) != 0 { sched_yield() }
        }
    }
}
