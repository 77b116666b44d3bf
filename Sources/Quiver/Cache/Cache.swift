public import QuiverEngine
internal import QuiverFilter
internal import QuiverIndex
public import QuiverMetadata

/// Limits, default TTL and persistence of a cache table.
public struct CacheConfiguration: Sendable, Hashable {
    /// TTL of entries set without one; `nil` (the default) keeps them until evicted.
    public var defaultTTL: Duration?
    /// Most entries held in memory. Default 100,000.
    public var maxEntries = 100_000
    /// Most bytes of keys and values held. Default 64 MiB.
    public var maxBytes = 64 << 20
    /// Whether entries survive a restart (written to the log and segments with their wall-clock
    /// expiry) or live in memory only. Default `true`.
    public var persistent = true

    /// A configuration with the defaults, or the values given.
    public init(defaultTTL: Duration? = nil, maxEntries: Int = 100_000, maxBytes: Int = 64 << 20, persistent: Bool = true) {
        self.defaultTTL = defaultTTL
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.persistent = persistent
    }

    var schema: JSONValue {
        .object([
            "ttl_ms": defaultTTL.map { .number(Double(CacheTable.milliseconds($0))) } ?? .null,
            "max_entries": .number(Double(maxEntries)), "max_bytes": .number(Double(maxBytes)),
        ])
    }

    init(schema: JSONValue) {
        if case .number(let ms)? = schema["ttl_ms"] { defaultTTL = .milliseconds(Int64(ms)) }
        if case .number(let n)? = schema["max_entries"], n >= 1 { maxEntries = Int(n) }
        if case .number(let n)? = schema["max_bytes"], n >= 1 { maxBytes = Int(n) }
        persistent = true
    }
}

/// A cache table's in-memory entries and how it persists.
final class CacheState: Sendable {
    let name: String
    let configuration: CacheConfiguration
    let table: CacheTable
    /// The engine table of a persistent cache.
    let engineTable: String
    /// Keys evicted from memory whose durable copies are still to be removed.
    let pendingEvictions = Locked<[Key]>([])

    init(name: String, configuration: CacheConfiguration, clock: CacheClock) {
        self.name = name
        self.configuration = configuration
        table = CacheTable(
            name: name,
            configuration: CacheTable.Configuration(
                defaultTTL: configuration.defaultTTL, maxEntries: configuration.maxEntries, maxBytes: configuration.maxBytes),
            clock: clock)
        engineTable = MetadataKeys.cachePrefix + name
    }
}

/// A cache table of a ``Database``: bytes by key with TTLs, bounded in entries and bytes (SIEVE
/// eviction keeps hot entries), persistent or memory-only, and changed atomically with the rest
/// of the database inside batches (``Batch/set(_:forKey:ttl:inCache:)``).
///
/// Reads come from memory and never see an expired entry; ``purgeExpired()`` reclaims the memory
/// of expired ones (the database's background work calls it too).
public struct Cache: Sendable {
    /// The table's name.
    public let name: String
    let database: Database
    let state: CacheState

    /// The table's configuration.
    public var configuration: CacheConfiguration { state.configuration }

    /// The live value under `key`, or `nil` (counted as a hit or a miss).
    public func get(_ key: Key) -> [UInt8]? { state.table.get(key) }

    /// The in-memory table behind the cache, for a server's hot read path
    /// (``CacheTable/withValue(_:_:)``); it lives as long as the cache.
    package var memoryTable: CacheTable { state.table }

    /// The live value under the UTF-8 bytes of `key`, or `nil`.
    public func get(_ key: String) -> [UInt8]? { get(Key(key)) }

    /// The value and wall-clock deadline (`Int64.max`: none) under `key`, without counting a hit
    /// or a miss.
    public func peek(_ key: Key) -> (value: [UInt8], deadline: Int64)? { state.table.peek(key) }

    /// Stores `value` under `key` with `ttl` (default: the table's): durably first when the
    /// table is persistent.
    public func set(_ value: [UInt8], forKey key: Key, ttl: Duration? = nil) throws(QuiverError) {
        try database.commit(singleBatch { $0.set(value, forKey: key, ttl: ttl, inCache: name) })
    }

    /// Stores `value` under the UTF-8 bytes of `key`.
    public func set(_ value: [UInt8], forKey key: String, ttl: Duration? = nil) throws(QuiverError) {
        try set(value, forKey: Key(key), ttl: ttl)
    }

    /// Removes `key`.
    public func remove(_ key: Key) throws(QuiverError) {
        try database.commit(singleBatch { $0.removeCached(key, inCache: name) })
    }

    /// The value under `key`, loading it with `loader` on a miss and storing it with `ttl`.
    /// Concurrent callers of one key share one load; a failed load stores nothing and its error
    /// reaches every waiting caller.
    public func getOrCompute(
        _ key: Key, ttl: Duration? = nil, loader: @escaping @Sendable () async throws -> [UInt8]
    ) async throws -> [UInt8] {
        let database = self.database
        let name = self.name
        return try await state.table.getOrCompute(key, loader: loader) { value in
            var batch = Batch(clock: database.configuration.wallClock, noteIDs: database.noteIDs)
            batch.set(value, forKey: key, ttl: ttl, inCache: name)
            try await database.executor.run { [batch] () throws(QuiverError) in try database.commit(batch) }
        }
    }

    /// What an ``update(_:_:)`` does with the entry it read.
    public enum Change: Sendable {
        /// Leaves the entry as it is.
        case keep
        /// Stores `value` until the wall-clock `deadline` (milliseconds since 1970; `Int64.max`
        /// for none).
        case set(value: [UInt8], deadline: Int64)
        /// Removes the entry.
        case remove
    }

    /// Reads the entry under `keys`, lets `body` decide what to do with it, and does it, with no
    /// other write to those keys in between: the read-modify-write behind conditional sets and
    /// counters (`SET NX`, `INCR`, `EXPIRE`).
    ///
    /// - Parameter body: Called once with the live entry (value and deadline) of each key, in
    ///   order; returns the change of each key and a result.
    /// - Returns: `body`'s result.
    public func update<R>(
        _ keys: [Key], _ body: ([(value: [UInt8], deadline: Int64)?]) throws(QuiverError) -> ([Change], R)
    ) throws(QuiverError) -> R {
        try updateNow(keys, body)
    }

    /// What ``update(_:_:)`` does, under a name of its own for both forms.
    func updateNow<R>(
        _ keys: [Key], _ body: ([(value: [UInt8], deadline: Int64)?]) throws(QuiverError) -> ([Change], R)
    ) throws(QuiverError) -> R {
        let database = self.database
        let stripes = database.stripes.ordered(keys.map { database.stripes.stripe(ofCache: name, key: $0) })
        let (result, evicting) = try database.stripes.withLocks(stripes) { () throws(QuiverError) -> (R, Set<String>) in
            let (changes, result) = try body(keys.map { state.table.peek($0) })
            precondition(changes.count == keys.count, "one change per key")
            var batch = Batch(clock: database.configuration.wallClock, noteIDs: database.noteIDs)
            for (key, change) in zip(keys, changes) {
                switch change {
                case .keep: continue
                case .set(let value, let deadline): batch.setCached(value, forKey: key, deadline: deadline, inCache: name)
                case .remove: batch.removeCached(key, inCache: name)
                }
            }
            guard !batch.isEmpty else { return (result, []) }
            return (result, try database.commitHoldingStripes(batch))
        }
        for cache in evicting { database.removeEvicted(from: cache) }
        return result
    }

    /// Every live key, in no particular order.
    ///
    /// - Complexity: O(entries).
    public func keys() -> [Key] { state.table.keys() }

    /// Entries held, expired ones not yet reclaimed included.
    public var count: Int { state.table.statistics.entries }

    /// Removes every entry, durably for a persistent table.
    public func removeAll() throws(QuiverError) {
        let database = self.database
        try database.stripes.withLocks(Array(0..<256)) { () throws(QuiverError) in
            if state.configuration.persistent {
                var drop = WriteBatch()
                drop.dropTable(state.engineTable)
                drop.createTable(TableDefinition(name: state.engineTable))
                do { try database.engine.write(drop) } catch { throw QuiverError.wrap(error) }
            }
            state.table.removeAll()
            state.pendingEvictions.withLock { $0.removeAll() }
        }
    }

    /// Hit, miss, eviction and expiry counters, entries and bytes held.
    public var statistics: CacheTable.Statistics { state.table.statistics }

    /// Drops expired entries from memory; returns how many.
    @discardableResult
    public func purgeExpired() -> Int { state.table.purgeExpired() }

    private func singleBatch(_ body: (inout Batch) -> Void) -> Batch {
        var batch = Batch(clock: database.configuration.wallClock, noteIDs: database.noteIDs)
        body(&batch)
        return batch
    }
}

extension Database {
    /// Creates a cache table, or returns the existing one of that name.
    ///
    /// - Throws: ``QuiverError`` `alreadyExists` when a table of that name exists with another
    ///   configuration; `invalidArgument` for a bad name or bounds.
    @discardableResult
    public func createCache(_ name: String, configuration: CacheConfiguration = CacheConfiguration()) throws(QuiverError) -> Cache {
        guard !name.isEmpty, name.utf8.count <= 200, !name.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw QuiverError(.invalidArgument, "cache names are 1...200 bytes without control characters")
        }
        guard configuration.maxEntries > 0, configuration.maxBytes > 0 else {
            throw QuiverError(.invalidArgument, "cache bounds must be positive")
        }
        if let existing = caches.withLock({ $0[name] }) {
            guard existing.configuration == configuration else {
                throw QuiverError(.alreadyExists, "cache \(name) exists with another configuration")
            }
            return Cache(name: name, database: self, state: existing)
        }
        let state = CacheState(name: name, configuration: configuration, clock: CacheClock(source: self.configuration.wallClock))
        if configuration.persistent {
            var batch = WriteBatch()
            batch.createTable(TableDefinition(name: state.engineTable))
            batch.put(configuration.schema.serialized(), forKey: Key(MetadataKeys.schemaEntry(kind: SchemaKind.cache, name: name)), in: MetadataKeys.schema)
            do { try engine.write(batch) } catch { throw QuiverError(error) }
        }
        caches.withLock { $0[name] = state }
        return Cache(name: name, database: self, state: state)
    }

    /// The cache table named `name`.
    ///
    /// - Throws: ``QuiverError`` `notFound`.
    public func cache(_ name: String) throws(QuiverError) -> Cache {
        Cache(name: name, database: self, state: try cacheState(name))
    }

    /// The names of the cache tables, sorted.
    public var cacheNames: [String] { caches.withLock { $0.keys.sorted() } }

    /// Drops a cache table and its entries.
    public func dropCache(_ name: String) throws(QuiverError) {
        let state = try cacheState(name)
        if state.configuration.persistent {
            var batch = WriteBatch()
            batch.dropTable(state.engineTable)
            batch.remove(Key(MetadataKeys.schemaEntry(kind: SchemaKind.cache, name: name)), in: MetadataKeys.schema)
            do { try engine.write(batch) } catch { throw QuiverError(error) }
        }
        caches.withLock { _ = $0.removeValue(forKey: name) }
    }

    func cacheState(_ name: String) throws(QuiverError) -> CacheState {
        guard let state = caches.withLock({ $0[name] }) else { throw QuiverError(.notFound, "no cache named \(name)") }
        return state
    }

    /// Loads a persistent cache's live entries from its table at open.
    func loadCache(_ name: String, configuration: CacheConfiguration, from snapshot: Snapshot) throws {
        let state = CacheState(name: name, configuration: configuration, clock: CacheClock(source: self.configuration.wallClock))
        try snapshot.scan(state.engineTable) { record in
            let evicted = state.table.storeEvicting(record.key, record.value, deadline: record.expiresAt ?? .max) ?? [record.key]
            state.pendingEvictions.withLock { $0.append(contentsOf: evicted) }
            return true
        }
        caches.withLock { $0[name] = state }
        removeEvicted(from: name)
    }

    /// Removes from a persistent cache's table the entries evicted from memory, unless a write
    /// stored them again since (each checked under its key's stripe).
    func removeEvicted(from name: String) {
        guard let state = caches.withLock({ $0[name] }), state.configuration.persistent else { return }
        let keys = state.pendingEvictions.withLock { keys -> [Key] in
            defer { keys.removeAll() }
            return keys
        }
        guard !keys.isEmpty else { return }
        try? stripes.withLocks(stripes.ordered(keys.map { stripes.stripe(ofCache: name, key: $0) })) { () throws(EngineError) in
            var batch = WriteBatch()
            for key in keys where !state.table.contains(key) { batch.remove(key, in: state.engineTable) }
            if !batch.isEmpty { try engine.write(batch) }
        }
    }
}
