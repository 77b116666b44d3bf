internal import QuiverIndex
internal import QuiverMetadata
internal import Synchronization
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The background reclaim of expired cache entries: a thread that, every `period`, drops from
/// memory the entries whose TTL passed (readers never see them either way; this returns their
/// memory). Persistent tables' expired entries leave the disk at the next flush and compaction.
final class CacheSweeper: Sendable {
    private let stopped = Atomic<Bool>(false)

    /// Starts sweeping `caches` every `period` until ``stop()``.
    init(period: Duration, caches: @escaping @Sendable () -> [CacheState]) {
        let microseconds = max(1_000, Int(CacheTable.milliseconds(period)) * 1000)
        DetachedThread.start { [self] in
            while !stopped.load(ordering: .relaxed) {
                // Short naps so that a stop is noticed quickly.
                var slept = 0
                while slept < microseconds, !stopped.load(ordering: .relaxed) {
                    usleep(UInt32(min(50_000, microseconds - slept)))
                    slept += 50_000
                }
                guard !stopped.load(ordering: .relaxed) else { break }
                for cache in caches() { cache.table.purgeExpired() }
            }
        }
    }

    /// Stops the sweeps (the thread exits within 50 ms).
    func stop() { stopped.store(true, ordering: .relaxed) }
}

/// Runs a closure on a new detached POSIX thread.
enum DetachedThread {
    static func start(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {  // handed to exactly one thread
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, box)
        precondition(status == 0, "pthread_create failed: \(status)")
        pthread_detach(thread)
    }
}
