#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A value guarded by a `pthread_mutex_t`: the lock every module of the package uses.
///
/// Used instead of `Synchronization.Mutex`, whose lock lives in the uninstrumented standard
/// library, so ThreadSanitizer cannot see its ordering and reports races on what it guards.
/// The pthread mutex is intercepted by the sanitizer and costs the same uncontended.
package final class Locked<Value: ~Copyable>: @unchecked Sendable {  // every access to `value` holds `mutex`
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    /// Guards `value`.
    package init(_ value: consuming sending Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    @inline(__always)
    package func withLock<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

extension Locked where Value == Void {
    /// Runs `body` holding the lock: a plain mutex.
    @inline(__always)
    package func withLock<Result, E: Error>(_ body: () throws(E) -> sending Result) throws(E) -> sending Result {
        try withLock { (_: inout Void) throws(E) -> sending Result in try body() }
    }
}
