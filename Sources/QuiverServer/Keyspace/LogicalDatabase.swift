internal import Quiver
internal import QuiverIndex

/// The type of a key, as `TYPE` reports it.
enum KeyType: String, Sendable {
    case string
    case vectorset
}

/// One of the sixteen logical databases (`SELECT 0..15`): the namespace that keeps one tenant's
/// keys, vector sets, entities, notes and cache tables apart from another's.
///
/// Strings live in a persistent cache table of the database (`redis.db<N>`, unbounded unless
/// `maxmemory` is set) with their deadlines as absolute wall-clock milliseconds; vector sets in
/// collections the ``VectorSetRegistry`` names; metadata under names prefixed with `db<N>.`. A
/// key is one or the other: `SET` over a vector set drops the set, and the vector-set commands
/// refuse string keys.
struct LogicalDatabase: Sendable {
    /// 0...15.
    let index: Int
    /// The cache table holding the database's strings.
    let stringTableName: String
    private let shared = SharedState()

    /// What every copy of the value shares: the resolved strings table and the scan copy.
    private final class SharedState: Sendable {
        /// The strings table as last resolved, and the database it was resolved in (replaced by
        /// `DEBUG RELOAD`; held, so that its identity is not reused); `cache` is `nil` while the
        /// table does not exist. Only this type
        /// creates the table, under this lock, so a remembered absence stays true.
        let strings = Locked<(database: Database, cache: Cache?)?>(nil)
        /// The newest sorted copy of the keys (see ``KeyScanSnapshot``) and when a `SCAN` last
        /// read it (`ContinuousClock` instant).
        let scan = Locked<(snapshot: KeyScanSnapshot, used: ContinuousClock.Instant)?>(nil)
        /// The background reclaim of expired strings, started once per server (kept by database 0).
        let reclaim = Locked<KeyExpiryReclaim?>(nil)
        /// The strings table once it exists, readable without a lock (every command reads it);
        /// published under `strings`'s lock.
        let resolvedStrings = PublishedReference<ResolvedStrings>()
    }

    /// A strings table and the database it belongs to.
    final class ResolvedStrings: Sendable {
        let database: Database
        let cache: Cache

        init(database: Database, cache: Cache) {
            self.database = database
            self.cache = cache
        }
    }

    /// Logical database `index`.
    init(index: Int) {
        self.index = index
        stringTableName = "redis.db\(index)"
    }

    /// The prefix of this database's entity types, collections and cache tables made by the
    /// metadata commands.
    var namespacePrefix: String { "db\(index)." }

    // MARK: Strings

    /// The strings table of `database` (created on first use; resolved once per database).
    func strings(in database: Database) throws(CommandError) -> Cache {
        if let resolved = shared.resolvedStrings.optionalObject, resolved.database === database { return resolved.cache }
        let name = stringTableName
        return try shared.strings.withLock { (resolved) throws(CommandError) -> Cache in
            if let resolved, resolved.database === database, let cache = resolved.cache { return cache }
            let cache: Cache
            if let existing = try? database.cache(name) {
                cache = existing
            } else {
                do {
                    cache = try database.createCache(
                        name,
                        configuration: CacheConfiguration(
                            maxEntries: Int.max / 2, maxBytes: Int.max / 2, persistent: true))
                } catch { throw CommandError(error) }
            }
            resolved = (database, cache)
            shared.resolvedStrings.publish(ResolvedStrings(database: database, cache: cache))
            return cache
        }
    }

    /// The strings table of `database` if it was ever created, without creating it.
    func existingStrings(in database: Database) -> Cache? {
        let name = stringTableName
        return shared.strings.withLock { resolved -> Cache? in
            if let resolved, resolved.database === database { return resolved.cache }
            let cache = try? database.cache(name)
            resolved = (database, cache)
            if let cache { shared.resolvedStrings.publish(ResolvedStrings(database: database, cache: cache)) }
            return cache
        }
    }

    /// The type of `key`, `nil` when it does not exist. A string wins over a vector set (the two
    /// coexist only while a racing `SET` and `VADD` finish).
    func type(of key: Key, daemon: Daemon) throws(CommandError) -> KeyType? {
        if try strings(of: daemon).peek(key) != nil { return .string }
        if daemon.vectorSets.info(index, key) != nil { return .vectorset }
        return nil
    }

    /// Whether `key` exists, in the `strings` table given or as a vector set.
    func exists(_ key: Key, strings: Cache, daemon: Daemon) -> Bool {
        strings.peek(key) != nil || daemon.vectorSets.info(index, key) != nil
    }

    /// The strings table of `daemon`'s database; the first resolution also starts the server's
    /// background reclaim of expired strings (``Daemon/startKeyExpiryReclaim()``).
    func strings(of daemon: Daemon) throws(CommandError) -> Cache {
        let database = daemon.database
        if let resolved = shared.resolvedStrings.optionalObject, resolved.database === database { return resolved.cache }
        daemon.startKeyExpiryReclaim()
        return try strings(in: database)
    }

    /// Runs `body` with the reclaim slot of the server (meaningful in database 0 only).
    func withReclaimSlot<R>(_ body: (inout KeyExpiryReclaim?) -> R) -> R { shared.reclaim.withLock { body(&$0) } }

    // MARK: Vector sets

    /// Drops the vector sets among `keys`, each under its key's lock (the lock `VADD`, `VREM` and
    /// `VSETATTR` hold), so no write of a set runs between its drop and the registry's update;
    /// returns the keys dropped. A set dropped meanwhile by another client is skipped.
    @discardableResult
    func dropVectorSets(_ keys: some Sequence<Key>, daemon: Daemon) throws(CommandError) -> [Key] {
        var dropped: [Key] = []
        for key in keys where !dropped.contains(key) {
            do {
                if try daemon.vectorSets.drop(index, key, in: daemon.database.engine) { dropped.append(key) }
            } catch { throw CommandError.err(error.message) }
        }
        return dropped
    }

    /// Renames the vector set `source` to `destination` in one engine batch: the registry entry
    /// moves (the collection keeps its name) and a set under `destination` is dropped.
    ///
    /// - Precondition: `destination` holds no string (the caller removed it).
    func renameVectorSet(_ source: Key, to destination: Key, info: VectorSetInfo, daemon: Daemon) throws(CommandError) {
        var batch = WriteBatch()
        let replaced = daemon.vectorSets.info(index, destination)
        if let replaced { VectorSetRegistry.removal(index, destination, replaced, into: &batch) }
        batch.remove(VectorSetRegistry.registryKey(index, source), in: VectorSetRegistry.table)
        batch.put(info.encoded, forKey: VectorSetRegistry.registryKey(index, destination), in: VectorSetRegistry.table)
        do { try daemon.database.engine.write(batch) } catch { throw CommandError.err(error.message) }
        daemon.vectorSets.didDrop(index, source)
        daemon.vectorSets.didCreate(index, destination, info)
    }

    // MARK: Whole keyspace

    /// Every live key: strings then vector sets, in no particular order.
    ///
    /// - Complexity: O(keys).
    func allKeys(daemon: Daemon) throws(CommandError) -> [Key] {
        var keys = try strings(of: daemon).keys()
        let sets = daemon.vectorSets.keys(index)
        if !sets.isEmpty {
            var seen = Set(keys)
            for key in sets where seen.insert(key).inserted { keys.append(key) }
        }
        return keys
    }

    /// Keys held: strings (expired ones not yet reclaimed included, as Redis's `DBSIZE` counts
    /// them) and vector sets.
    func count(daemon: Daemon) throws(CommandError) -> Int {
        try strings(of: daemon).count + daemon.vectorSets.count(index)
    }

    /// The sorted copy of the keys a `SCAN` call reads: a fresh one when `fresh` (a scan starts)
    /// or when there is none yet, else the newest.
    func scanSnapshot(fresh: Bool, daemon: Daemon) throws(CommandError) -> KeyScanSnapshot {
        let now = ContinuousClock.now
        if !fresh {
            let kept = shared.scan.withLock { scan -> KeyScanSnapshot? in
                scan?.used = now
                return scan?.snapshot
            }
            if let kept { return kept }
        }
        let snapshot = KeyScanSnapshot(try allKeys(daemon: daemon))
        shared.scan.withLock { $0 = (snapshot, now) }
        return snapshot
    }

    /// Lets go of the scan copy when no `SCAN` read it for `idle`: it holds every key's bytes
    /// alive. Always safe: a scan that continues later takes a fresh copy, which is newer than
    /// its start.
    func dropScanSnapshot(idleFor idle: Duration) {
        let now = ContinuousClock.now
        shared.scan.withLock { scan in
            if let used = scan?.used, now - used > idle { scan = nil }
        }
    }

    /// Removes every string and vector set of the database.
    func flush(daemon: Daemon) throws(CommandError) {
        if let strings = existingStrings(in: daemon.database) {
            do { try strings.removeAll() } catch { throw CommandError(error) }
        }
        try dropVectorSets(daemon.vectorSets.keys(index), daemon: daemon)
        shared.scan.withLock { $0 = nil }
    }
}

extension CommandError {
    /// The error reply of a failure: a command error as it is, a database or engine error as
    /// `ERR` and its message.
    init(_ error: any Error) {
        switch error {
        case let error as CommandError: self = error
        case let error as QuiverError: self = .err(error.message)
        case let error as EngineError: self = .err(error.message)
        default: self = .err("\(error)")
        }
    }
}
