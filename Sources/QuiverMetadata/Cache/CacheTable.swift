public import QuiverEngine
internal import QuiverIndex
internal import Synchronization
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A bounded key-value cache with time-to-live expiry and SIEVE eviction, safe to share between
/// threads and tasks.
///
/// - Expiry is exact for readers: an entry past its deadline is never returned, even before the
///   background sweep (``purgeExpired(limit:)``) reclaims its memory.
/// - Bounds: at most ``Configuration/maxEntries`` entries and ``Configuration/maxBytes`` bytes of
///   keys and values; inserting past a bound evicts by SIEVE (see `SieveIndex`), which keeps hot
///   entries better than LRU on skewed workloads.
/// - ``getOrCompute(_:ttl:loader:)`` runs the loader once for concurrent callers of one key.
///
/// Deadlines are wall-clock milliseconds since 1970 (`CLOCK_REALTIME`), so a persistent table's
/// TTLs survive a restart; ``CacheClock`` lets tests move time.
public final class CacheTable: Sendable {
    /// Limits and defaults of a table.
    public struct Configuration: Sendable, Hashable {
        /// TTL of entries set without one; `nil` (the default) keeps them until evicted.
        public var defaultTTL: Duration?
        /// Most entries held. Default 100,000.
        public var maxEntries = 100_000
        /// Most bytes of keys and values held. Default 64 MiB.
        public var maxBytes = 64 << 20

        /// A configuration with the defaults.
        public init(defaultTTL: Duration? = nil, maxEntries: Int = 100_000, maxBytes: Int = 64 << 20) {
            self.defaultTTL = defaultTTL
            self.maxEntries = maxEntries
            self.maxBytes = maxBytes
        }
    }

    /// Counters since the table was created.
    public struct Statistics: Sendable, Hashable {
        /// Reads that found a live entry.
        public var hits = 0
        /// Reads that found nothing (or an expired entry).
        public var misses = 0
        /// Entries dropped to stay within the bounds.
        public var evictions = 0
        /// Entries dropped because their TTL passed.
        public var expirations = 0
        /// Entries held now.
        public var entries = 0
        /// Bytes of keys and values held now.
        public var bytes = 0

        /// `hits / (hits + misses)`, or 0 before any read.
        public var hitRatio: Double { hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses) }
    }

    private struct Entry {
        var key: Key
        var value: [UInt8]
        /// Wall-clock deadline in milliseconds, or `Int64.max`.
        var deadline: Int64
        var bytes: Int { key.bytes.count + value.count }
    }

    private struct State {
        var slots: [Key: Int32] = [:]
        var entries: [Entry?] = []
        var order = SieveIndex()
        var statistics = Statistics()

        mutating func removeSlot(_ slot: Int32) {
            guard let entry = entries[Int(slot)] else { return }
            slots[entry.key] = nil
            entries[Int(slot)] = nil
            order.remove(slot)
            statistics.entries -= 1
            statistics.bytes -= entry.bytes
        }
    }

    /// The table's name.
    public let name: String
    /// Its limits and defaults.
    public let configuration: Configuration
    /// Where deadlines come from.
    public let clock: CacheClock
    private let state = Locked(State())
    private let loads = Locked<[Key: Task<[UInt8], any Error>]>([:])

    /// Creates an empty table.
    ///
    /// - Precondition: the bounds are positive.
    public init(name: String, configuration: Configuration = Configuration(), clock: CacheClock = CacheClock()) {
        precondition(configuration.maxEntries > 0 && configuration.maxBytes > 0, "cache bounds must be positive")
        self.name = name
        self.configuration = configuration
        self.clock = clock
    }

    /// The live value under the UTF-8 bytes of `key`, or `nil` (counted as a hit or a miss).
    public func get(_ key: String) -> [UInt8]? { get(Key(key)) }

    /// The live value under `key`, or `nil` (counted as a hit or a miss).
    public func get(_ key: Key) -> [UInt8]? {
        let now = clock.nowMilliseconds()
        return state.withLock { state -> [UInt8]? in
            guard let slot = state.slots[key], let entry = state.entries[Int(slot)] else {
                state.statistics.misses += 1
                return nil
            }
            guard entry.deadline > now else {
                state.removeSlot(slot)
                state.statistics.expirations += 1
                state.statistics.misses += 1
                return nil
            }
            state.order.touch(slot)
            state.statistics.hits += 1
            return entry.value
        }
    }

    /// Milliseconds until `key` expires: `nil` when absent, `Int64.max` when it has no TTL.
    public func remainingMilliseconds(_ key: Key) -> Int64? {
        let now = clock.nowMilliseconds()
        return state.withLock { state -> Int64? in
            guard let slot = state.slots[key], let entry = state.entries[Int(slot)], entry.deadline > now else { return nil }
            return entry.deadline == .max ? .max : entry.deadline - now
        }
    }

    /// Stores `value` under `key` with `ttl` (default: the table's), evicting to stay in bounds.
    ///
    /// - Returns: whether it was stored; `false` when the entry alone exceeds ``Configuration/maxBytes``.
    @discardableResult
    public func set(_ key: String, _ value: [UInt8], ttl: Duration? = nil) -> Bool { set(Key(key), value, ttl: ttl) }

    /// Stores `value` under `key` with `ttl` (default: the table's), evicting to stay in bounds.
    ///
    /// - Returns: whether it was stored; `false` when the entry alone exceeds ``Configuration/maxBytes``.
    @discardableResult
    public func set(_ key: Key, _ value: [UInt8], ttl: Duration? = nil) -> Bool {
        set(key, value, deadline: deadline(ttl: ttl))
    }

    /// The wall-clock deadline an entry set now with `ttl` (default: the table's) gets;
    /// `Int64.max` for none.
    public func deadline(ttl: Duration?) -> Int64 {
        (ttl ?? configuration.defaultTTL).map { clock.nowMilliseconds() &+ Self.milliseconds($0) } ?? .max
    }

    /// Stores `value` under `key` until the wall-clock `deadline` (milliseconds since 1970).
    @discardableResult
    public func set(_ key: Key, _ value: [UInt8], deadline: Int64) -> Bool {
        storeEvicting(key, value, deadline: deadline) != nil
    }

    /// Stores `value` under `key` until `deadline`, evicting to stay in bounds.
    ///
    /// - Returns: the keys evicted to make room, or `nil` when the entry alone exceeds the byte bound.
    package func storeEvicting(_ key: Key, _ value: [UInt8], deadline: Int64) -> [Key]? {
        let entry = Entry(key: key, value: value, deadline: deadline)
        guard entry.bytes <= configuration.maxBytes else { return nil }
        return state.withLock { state in
            var evicted: [Key] = []
            if let slot = state.slots[key] { state.removeSlot(slot) }
            while state.statistics.entries >= configuration.maxEntries
                || state.statistics.bytes + entry.bytes > configuration.maxBytes
            {
                guard let victim = state.order.evict(), let old = state.entries[Int(victim)] else { break }
                state.slots[old.key] = nil
                state.entries[Int(victim)] = nil
                state.statistics.entries -= 1
                state.statistics.bytes -= old.bytes
                state.statistics.evictions += 1
                evicted.append(old.key)
            }
            let slot = state.order.insert()
            if Int(slot) == state.entries.count { state.entries.append(entry) } else { state.entries[Int(slot)] = entry }
            state.slots[key] = slot
            state.statistics.entries += 1
            state.statistics.bytes += entry.bytes
            return evicted
        }
    }

    /// Removes the UTF-8 bytes of `key`; returns whether a live entry was there.
    @discardableResult
    public func remove(_ key: String) -> Bool { remove(Key(key)) }

    /// Whether `key` has a live entry (not counted as a hit or a miss).
    public func contains(_ key: Key) -> Bool {
        let now = clock.nowMilliseconds()
        return state.withLock { state in
            guard let slot = state.slots[key], let entry = state.entries[Int(slot)] else { return false }
            return entry.deadline > now
        }
    }

    /// The live value and deadline under `key` without counting a hit or a miss or marking it
    /// used: for inspection (`TTL`, `TYPE`, persistence).
    public func peek(_ key: Key) -> (value: [UInt8], deadline: Int64)? {
        let now = clock.nowMilliseconds()
        return state.withLock { state in
            guard let slot = state.slots[key], let entry = state.entries[Int(slot)], entry.deadline > now else { return nil }
            return (entry.value, entry.deadline)
        }
    }

    /// Every live key, in no particular order.
    public func keys() -> [Key] {
        let now = clock.nowMilliseconds()
        return state.withLock { state in state.entries.compactMap { entry in entry.flatMap { $0.deadline > now ? $0.key : nil } } }
    }

    /// Drops every entry (counted neither as evictions nor expirations).
    public func removeAll() {
        state.withLock { state in
            let statistics = state.statistics
            state = State()
            state.statistics = statistics
            state.statistics.entries = 0
            state.statistics.bytes = 0
        }
    }

    /// Removes `key`; returns whether a live entry was there.
    @discardableResult
    public func remove(_ key: Key) -> Bool {
        let now = clock.nowMilliseconds()
        return state.withLock { state in
            guard let slot = state.slots[key], let entry = state.entries[Int(slot)] else { return false }
            state.removeSlot(slot)
            return entry.deadline > now
        }
    }

    /// The value under `key`, loading it with `loader` on a miss. Concurrent callers of one key
    /// share one load; a failed load is not cached and its error reaches every waiting caller.
    public func getOrCompute(
        _ key: String, ttl: Duration? = nil, loader: @escaping @Sendable () async throws -> [UInt8]
    ) async throws -> [UInt8] {
        try await getOrCompute(Key(key), ttl: ttl, loader: loader)
    }

    /// The value under `key`, loading it with `loader` on a miss (see the `String` form).
    public func getOrCompute(
        _ key: Key, ttl: Duration? = nil, loader: @escaping @Sendable () async throws -> [UInt8]
    ) async throws -> [UInt8] {
        try await getOrCompute(key, loader: loader) { [self] value in set(key, value, ttl: ttl) }
    }

    /// The single-flight load behind ``getOrCompute(_:ttl:loader:)-(Key,_,_)``, with the store of
    /// the loaded value supplied (a persistent table stores it durably).
    package func getOrCompute(
        _ key: Key, loader: @escaping @Sendable () async throws -> [UInt8],
        store: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws -> [UInt8] {
        if let value = get(key) { return value }
        let task = loads.withLock { running -> Task<[UInt8], any Error> in
            if let load = running[key] { return load }
            let task = Task { [self] in
                defer { _ = loads.withLock { $0.removeValue(forKey: key) } }
                let value = try await loader()
                try await store(value)
                return value
            }
            running[key] = task
            return task
        }
        return try await task.value
    }

    /// Drops up to `limit` expired entries and returns how many it dropped: the background
    /// reclaim (readers never see expired entries either way).
    ///
    /// - Complexity: O(entries) per call.
    @discardableResult
    public func purgeExpired(limit: Int = .max) -> Int {
        let now = clock.nowMilliseconds()
        return state.withLock { state in
            var dropped = 0
            for slot in state.entries.indices where dropped < limit {
                guard let entry = state.entries[slot], entry.deadline <= now else { continue }
                state.removeSlot(Int32(slot))
                state.statistics.expirations += 1
                dropped += 1
            }
            return dropped
        }
    }

    /// The counters now.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    package static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds &* 1000 &+ attoseconds / 1_000_000_000_000_000
    }
}

/// Wall-clock time for cache deadlines: the system's real-time clock, or a fixed time a test
/// sets and advances.
public final class CacheClock: Sendable {
    private let override = Atomic<Int64>(.min)
    private let source: (@Sendable () -> Int64)?

    /// The system clock.
    public init() { source = nil }

    /// A clock reading `source` (milliseconds since 1970), such as a database's wall clock.
    public init(source: @escaping @Sendable () -> Int64) { self.source = source }

    /// Milliseconds since 1970.
    public func nowMilliseconds() -> Int64 {
        let fixed = override.load(ordering: .relaxed)
        if fixed != .min { return fixed }
        if let source { return source() }
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// Fixes the time at `milliseconds` since 1970 (tests).
    public func set(milliseconds: Int64) { override.store(milliseconds, ordering: .relaxed) }

    /// Moves a fixed time forward by `duration` (tests; a jump backwards is a negative duration).
    public func advance(by duration: Duration) {
        let now = nowMilliseconds()
        override.store(now &+ CacheTable.milliseconds(duration), ordering: .relaxed)
    }
}
