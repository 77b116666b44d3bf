#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif
internal import QuiverIndex

/// A few threads of its own for blocking work (a write waits for the log's fsync), so the async
/// API never blocks Swift's cooperative threads: a task submits the work and suspends until a
/// thread here has run it.
final class BlockingExecutor: @unchecked Sendable {  // `queue`, `head`, `idle`, `threads`: guarded by `mutex`
    private let maximumThreads: Int
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var queue: [@Sendable () -> Void] = []
    private var head = 0
    private var idle = 0
    private var threads = 0

    /// An executor that starts up to `maximumThreads` threads as work arrives; they live as
    /// long as the process.
    init(maximumThreads: Int) {
        self.maximumThreads = max(1, maximumThreads)
        condition = .allocate(capacity: 1)
        mutex = .allocate(capacity: 1)
        pthread_cond_init(condition, nil)
        pthread_mutex_init(mutex, nil)
    }

    /// Runs `body` on one of the executor's threads and returns its result.
    func run<R: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> R) async throws(E) -> R {
        let result: Result<R, E> = await withCheckedContinuation { continuation in
            submit {
                continuation.resume(returning: Result { () throws(E) -> R in try body() })
            }
        }
        return try result.get()
    }

    private func submit(_ work: @escaping @Sendable () -> Void) {
        pthread_mutex_lock(mutex)
        queue.append(work)
        let start = idle == 0 && threads < maximumThreads
        if start { threads += 1 }
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
        if start { startThread() }
    }

    private func next() -> @Sendable () -> Void {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while head == queue.count {
            idle += 1
            pthread_cond_wait(condition, mutex)
            idle -= 1
        }
        let work = queue[head]
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
        return work
    }

    private func startThread() {
        final class Box: @unchecked Sendable {  // handed to exactly one thread
            let executor: BlockingExecutor
            init(_ executor: BlockingExecutor) { self.executor = executor }
        }
        let box = Unmanaged.passRetained(Box(self)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            let executor = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().executor
            while true { executor.next()() }
        }, box)
        precondition(status == 0, "pthread_create failed: \(status)")
        pthread_detach(thread)
    }
}

/// Mutexes by hash of a key, held while a write reads the state it changes: writes of one entity,
/// note or cache entry run one at a time; writes of different ones rarely share a stripe.
final class StripedLocks: @unchecked Sendable {  // the pthread mutexes are their own synchronisation
    private let mutexes: UnsafeMutablePointer<pthread_mutex_t>
    private let count: Int

    init(count: Int = 256) {
        self.count = count
        mutexes = .allocate(capacity: count)
        for i in 0..<count { pthread_mutex_init(mutexes + i, nil) }
    }

    /// The stripe of `key`.
    func stripe(of key: [UInt8]) -> Int {
        var hasher = Hasher()
        key.withUnsafeBytes { hasher.combine(bytes: $0) }
        return Int(UInt(bitPattern: hasher.finalize()) % UInt(count))
    }

    /// The stripe of the entry `key` of cache `cache`.
    func stripe(ofCache cache: String, key: Key) -> Int {
        var hasher = Hasher()
        var name = cache
        name.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(UInt8(0))
        key.bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        return Int(UInt(bitPattern: hasher.finalize()) % UInt(count))
    }

    /// `stripes` without repeats, ascending (the order they are always taken in: no deadlock).
    func ordered(_ stripes: some Sequence<Int>) -> [Int] {
        var taken = [UInt64](repeating: 0, count: (count + 63) / 64)
        var distinct = 0
        for stripe in stripes where taken[stripe >> 6] & (1 << (stripe & 63)) == 0 {
            taken[stripe >> 6] |= 1 << (stripe & 63)
            distinct += 1
        }
        var ordered: [Int] = []
        ordered.reserveCapacity(distinct)
        for (word, bits) in taken.enumerated() {
            var rest = bits
            while rest != 0 {
                ordered.append(word << 6 | rest.trailingZeroBitCount)
                rest &= rest - 1
            }
        }
        return ordered
    }

    /// Runs `body` holding the stripes `indices` (distinct and ascending, as ``ordered(_:)``
    /// returns them).
    func withLocks<R, E: Error>(_ indices: [Int], _ body: () throws(E) -> R) throws(E) -> R {
        for i in indices { pthread_mutex_lock(mutexes + i) }
        defer { for i in indices.reversed() { pthread_mutex_unlock(mutexes + i) } }
        return try body()
    }
}
