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

    /// Entries in parallel arrays by slot, so that a hit reads a deadline and copies one value
    /// reference: a struct of key, value and deadline per slot was copied whole on every read
    /// (measured with `MetadataBenchmarks`: it cost more than the hash lookup).
    private struct State {
        var slots: [Key: Int32] = [:]
        var keys: [Key] = []
        var values: [[UInt8]] = []
        /// Wall-clock deadline in milliseconds, `Int64.max` for none, `Int64.min` for a free slot.
        var deadlines: [Int64] = []
        var order = SieveIndex()
        var statistics = Statistics()

        static let free = Int64.min

        func bytes(_ slot: Int) -> Int { keys[slot].bytes.count + values[slot].count }

        /// The slot of `key`'s live entry for a read, marked used and counted as a hit; a miss
        /// (absent or expired, the expired entry then removed) is counted and gives `nil`.
        mutating func readSlot(_ key: Key, clock: CacheClock) -> Int32? {
            guard let slot = slots[key] else {
                statistics.misses += 1
                return nil
            }
            let deadline = deadlines[Int(slot)]
            // The clock is read only for an entry that can expire.
            guard deadline == .max || deadline > clock.nowMilliseconds() else {
                removeSlot(slot)
                statistics.expirations += 1
                statistics.misses += 1
                return nil
            }
            order.touch(slot)
            statistics.hits += 1
            return slot
        }

        mutating func removeSlot(_ slot: Int32) {
            let i = Int(slot)
            guard deadlines[i] != Self.free else { return }
            statistics.entries -= 1
            statistics.bytes -= bytes(i)
            slots[keys[i]] = nil
            keys[i] = Key([])
            values[i] = []
            deadlines[i] = Self.free
            order.remove(slot)
        }

        /// Stores an entry, evicting (into `evicted`) to stay within `configuration`'s bounds. A key
        /// already held is replaced in its slot (and counts as used) when the new size fits.
        mutating func store(
            _ key: Key, _ value: [UInt8], deadline: Int64, within configuration: Configuration, evicting evicted: inout [Key]
        ) {
            let bytes = key.bytes.count + value.count
            if let slot = slots[key] {
                let i = Int(slot)
                let old = self.bytes(i)
                if statistics.bytes - old + bytes <= configuration.maxBytes {
                    values[i] = value
                    deadlines[i] = deadline
                    statistics.bytes += bytes - old
                    order.touch(slot)
                    return
                }
                removeSlot(slot)
            }
            while statistics.entries >= configuration.maxEntries || statistics.bytes + bytes > configuration.maxBytes {
                guard let victim = order.evict() else { break }
                let old = keys[Int(victim)]
                // `evict` already took the slot out of the order.
                statistics.entries -= 1
                statistics.bytes -= self.bytes(Int(victim))
                slots[old] = nil
                keys[Int(victim)] = Key([])
                values[Int(victim)] = []
                deadlines[Int(victim)] = Self.free
                statistics.evictions += 1
                evicted.append(old)
            }
            store(key, value, deadline: deadline, in: order.insert())
        }

        mutating func store(_ key: Key, _ value: [UInt8], deadline: Int64, in slot: Int32) {
            let i = Int(slot)
            if i == keys.count {
                keys.append(key)
                values.append(value)
                deadlines.append(deadline)
            } else {
                keys[i] = key
                values[i] = value
                deadlines[i] = deadline
            }
            slots[key] = slot
            statistics.entries += 1
            statistics.bytes += key.bytes.count + value.count
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
        let clock = self.clock
        return state.withLock { state -> [UInt8]? in
            guard let slot = state.readSlot(key, clock: clock) else { return nil }
            return state.values[Int(slot)]
        }
    }

    /// Runs `body` on the bytes of the live value under `key`, in place under the table's lock
    /// (counted as a hit or a miss like ``get(_:)-(Key)``): a reader that only copies the bytes
    /// out (a reply) takes no reference to the value. `body` must be short.
    ///
    /// - Returns: Whether there was a live value.
    public func withValue(_ key: Key, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        let clock = self.clock
        return state.withLock { state -> Bool in
            guard let slot = state.readSlot(key, clock: clock) else { return false }
            state.values[Int(slot)].withUnsafeBytes(body)
            return true
        }
    }

    /// Milliseconds until `key` expires: `nil` when absent, `Int64.max` when it has no TTL.
    public func remainingMilliseconds(_ key: Key) -> Int64? {
        let now = clock.nowMilliseconds()
        return state.withLock { state -> Int64? in
            guard let slot = state.slots[key], state.deadlines[Int(slot)] > now else { return nil }
            let deadline = state.deadlines[Int(slot)]
            return deadline == .max ? .max : deadline - now
        }
    }

    /// Stores `value` under `key` with `ttl` (default: the table's), evicting to stay in bounds.
    ///
    /// - Returns: whether it was stored; `false` when the entry alone exceeds ``Configuration/maxBytes``
    ///   (the key's old value is removed then: the table never serves a value older than the last set).
    @discardableResult
    public func set(_ key: String, _ value: [UInt8], ttl: Duration? = nil) -> Bool { set(Key(key), value, ttl: ttl) }

    /// Stores `value` under `key` with `ttl` (default: the table's), evicting to stay in bounds.
    ///
    /// - Returns: whether it was stored; `false` when the entry alone exceeds ``Configuration/maxBytes``
    ///   (the key's old value is removed then).
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
    ///
    /// - Returns: whether it was stored; `false` when the entry alone exceeds ``Configuration/maxBytes``
    ///   (the key's old value is removed then) or `deadline` is not a valid one.
    @discardableResult
    public func set(_ key: Key, _ value: [UInt8], deadline: Int64) -> Bool {
        storeEvicting(key, value, deadline: deadline) != nil
    }

    /// Stores `value` under `key` until `deadline`, evicting to stay in bounds.
    ///
    /// - Returns: the keys evicted to make room, or `nil` when the entry alone exceeds the byte bound
    ///   (then the key's old value is removed, as ``storeEvicting(_:)-([PendingStore])`` does).
    package func storeEvicting(_ key: Key, _ value: [UInt8], deadline: Int64) -> [Key]? {
        let configuration = self.configuration
        return state.withLock { state in
            var evicted: [Key] = []
            return storeOrRemove(key, value, deadline: deadline, in: &state, within: configuration, evicting: &evicted)
                ? evicted : nil
        }
    }

    /// Stores each entry of `run` in order under one acquisition of the table's lock, evicting to
    /// stay in bounds. An entry that alone exceeds the byte bound is evicted at once: its key's
    /// old value is removed and the key is among those returned (a persistent cache's log holds
    /// the value the table could not).
    ///
    /// - Returns: the keys evicted.
    package func storeEvicting(_ run: [PendingStore]) -> [Key] {
        let configuration = self.configuration
        return state.withLock { state in
            var evicted: [Key] = []
            for entry in run where !storeOrRemove(
                entry.key, entry.value, deadline: entry.deadline, in: &state, within: configuration, evicting: &evicted)
            {
                evicted.append(entry.key)
            }
            return evicted
        }
    }

    /// Stores an entry the table admits (evicting into `evicted` to stay in bounds) and returns
    /// `true`; for one it cannot hold, removes the key's old value and returns `false`.
    private func storeOrRemove(
        _ key: Key, _ value: [UInt8], deadline: Int64, in state: inout State, within configuration: Configuration,
        evicting evicted: inout [Key]
    ) -> Bool {
        guard admits(key, value, deadline: deadline) else {
            if let slot = state.slots[key] { state.removeSlot(slot) }
            return false
        }
        state.store(key, value, deadline: deadline, within: configuration, evicting: &evicted)
        return true
    }

    /// Whether an entry can be stored at all (a free-slot deadline or more bytes than the bound cannot).
    private func admits(_ key: Key, _ value: [UInt8], deadline: Int64) -> Bool {
        key.bytes.count + value.count <= configuration.maxBytes && deadline != State.free
    }

    /// Removes the UTF-8 bytes of `key`; returns whether a live entry was there.
    @discardableResult
    public func remove(_ key: String) -> Bool { remove(Key(key)) }

    /// Whether `key` has a live entry (not counted as a hit or a miss).
    public func contains(_ key: Key) -> Bool {
        let now = clock.nowMilliseconds()
        return state.withLock { state in
            guard let slot = state.slots[key] else { return false }
            return state.deadlines[Int(slot)] > now
        }
    }

    /// The live value and deadline under `key` without counting a hit or a miss or marking it
    /// used: for inspection (`TTL`, `TYPE`, persistence).
    public func peek(_ key: Key) -> (value: [UInt8], deadline: Int64)? {
        let now = clock.nowMilliseconds()
        return state.withLock { state in
            guard let slot = state.slots[key], state.deadlines[Int(slot)] > now else { return nil }
            return (state.values[Int(slot)], state.deadlines[Int(slot)])
        }
    }

    /// Every live key, in no particular order.
    public func keys() -> [Key] {
        let now = clock.nowMilliseconds()
        return state.withLock { state in state.deadlines.indices.filter { state.deadlines[$0] > now }.map { state.keys[$0] } }
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
            guard let slot = state.slots[key] else { return false }
            let live = state.deadlines[Int(slot)] > now
            state.removeSlot(slot)
            return live
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
            for slot in state.deadlines.indices where dropped < limit {
                guard state.deadlines[slot] != State.free, state.deadlines[slot] <= now else { continue }
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
