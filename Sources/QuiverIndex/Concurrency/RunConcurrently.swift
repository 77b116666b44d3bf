internal import Dispatch

/// Wraps a value the caller guarantees is used safely across threads.
struct UncheckedSendable<Value>: @unchecked Sendable {  // callers document the guarantee
    let value: Value
}

/// Runs `body(worker)` for `worker` in `0..<threads` on that many threads and returns when all end.
///
/// `body` may capture non-Sendable values (buffers, the index's own state): the caller guarantees
/// that what the workers share is safe to share, usually by partitioning work through an atomic
/// counter.
func runConcurrently(threads: Int, _ body: (Int) -> Void) {
    guard threads > 1 else {
        body(0)
        return
    }
    withoutActuallyEscaping(body) { escapable in
        let box = UncheckedSendable(value: escapable)
        DispatchQueue.concurrentPerform(iterations: threads) { box.value($0) }
    }
}
