#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// A reader-writer lock over `pthread_rwlock_t`: many shared holders or one exclusive holder.
///
/// Public only so that its methods can be `@inlinable` (see ``Locked``): an implementation detail
/// of the package's modules, not API.
public final class ReadWriteLock: @unchecked Sendable {  // the pthread lock is its own synchronisation
    @usableFromInline let lock: UnsafeMutablePointer<pthread_rwlock_t>

    /// A new, unlocked lock.
    public init() {
        lock = .allocate(capacity: 1)
        let status = pthread_rwlock_init(lock, nil)
        precondition(status == 0, "pthread_rwlock_init failed: \(status)")
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Runs `body` holding the lock shared (`pthread_rwlock_rdlock`).
    @inlinable
    public func withReadLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    /// Runs `body` holding the lock exclusively (`pthread_rwlock_wrlock`).
    @inlinable
    public func withWriteLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
