#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Parks one thread until another unparks it: a counting semaphore (`sem_t`) for one waiter.
///
/// `Locked` has no condition variable, so a thread that must sleep until a group
/// commit finishes parks on its own `Parker` while the shared state stays in a `Locked`.
/// An `unpark` before the `park` is remembered.
final class Parker: @unchecked Sendable {  // sem_t is safe to use from any thread by itself
    private let semaphore: UnsafeMutablePointer<sem_t>

    init() {
        semaphore = .allocate(capacity: 1)
        let status = sem_init(semaphore, 0, 0)
        precondition(status == 0, "sem_init failed: \(errno)")
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    /// Blocks until ``unpark()`` has been called once more than `park` returned (`sem_wait`,
    /// repeated after `EINTR`).
    func park() {
        while sem_wait(semaphore) != 0 {
            precondition(errno == EINTR, "sem_wait failed: \(errno)")
        }
    }

    /// Wakes the parked thread, or lets its next ``park()`` return at once (`sem_post`).
    func unpark() {
        let status = sem_post(semaphore)
        precondition(status == 0, "sem_post failed: \(errno)")
    }
}
