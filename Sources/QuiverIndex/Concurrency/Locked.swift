#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// A value guarded by a `pthread_mutex_t`: the lock every module of the package uses.
///
/// Used instead of `Synchronization.Mutex`, whose lock lives in the uninstrumented standard
/// library, so ThreadSanitizer cannot see its ordering and reports races on what it guards.
/// The pthread mutex is intercepted by the sanitizer and costs the same uncontended.
///
/// Public only so that `withLock` can be `@inlinable`: this toolchain does not inline `package`
/// declarations into other modules, and unspecialized, a cache hit spent more time in the generic
/// call than in its lookup (measured with `MetadataBenchmarks`). It is an implementation detail of
/// the package's modules, not API: code outside Quiver must not use it.
public final class Locked<Value: ~Copyable>: @unchecked Sendable {  // every access to `value` holds `mutex`
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// The value, out of line: a stored `var` of a class would be checked for exclusive access at
    /// run time on every `withLock` (two runtime calls), which the mutex already guarantees.
    @usableFromInline let storage: UnsafeMutablePointer<Value>

    /// Guards `value`.
    public init(_ value: consuming sending Value) {
        storage = .allocate(capacity: 1)
        storage.initialize(to: value)
        mutex = .allocate(capacity: 1)
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        storage.deinitialize(count: 1)
        storage.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    @inlinable @inline(__always)
    public func withLock<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&storage.pointee)
    }
}

extension Locked where Value == Void {
    /// Runs `body` holding the lock: a plain mutex.
    @inlinable @inline(__always)
    public func withLock<Result, E: Error>(_ body: () throws(E) -> sending Result) throws(E) -> sending Result {
        try withLock { (_: inout Void) throws(E) -> sending Result in try body() }
    }
}
