internal import Quiver

/// One thing a client `WATCH`ed, with what it held then: `EXEC` compares that with what it holds
/// at the commit, under its lock, and returns a null reply without writing when they differ.
///
/// A value that changed and changed back between `WATCH` and `EXEC` counts as unchanged (Redis
/// would abort: it marks keys on every write). An entry that expired meanwhile counts as changed.
struct WatchedItem: Sendable {
    /// What is watched.
    enum Target: Hashable, Sendable {
        /// A key of logical database `database`: a string (the entry of the database's strings
        /// table) or a vector set (its registry entry and cardinality).
        case key(database: Int, key: Key)
        /// A metadata item: an entity (`ENTITY.WATCH`), a note (`NOTE.WATCH`), an entry of a named
        /// cache table (`CACHE.WATCH`).
        case item(GuardedItem)
    }

    let target: Target
    private let observed: ObservedState
    private let vectorSet: VectorSetFingerprint?

    /// A vector set as `WATCH` can see it cheaply: which set (its uid) and how many elements.
    /// Vector writes take no per-key lock, so this is compared without one.
    private struct VectorSetFingerprint: Sendable, Equatable {
        var info: VectorSetInfo?
        var count: Int

        init(daemon: Daemon, database: Int, key: Key) {
            info = daemon.vectorSets.info(database, key)
            count = info.flatMap { try? daemon.database.snapshot().count(in: $0.collection) } ?? 0
        }
    }

    /// Watches `target` as it is now.
    init(_ target: Target, daemon: Daemon) throws(QuiverError) {
        self.target = target
        let database = daemon.database
        let item = Self.guardedItem(target, daemon: daemon)
        observed = try ObservedState.current(item, database: database, snapshot: database.snapshot())
        if case .key(let db, let key) = target {
            vectorSet = VectorSetFingerprint(daemon: daemon, database: db, key: key)
        } else {
            vectorSet = nil
        }
    }

    private static func guardedItem(_ target: Target, daemon: Daemon) -> GuardedItem {
        switch target {
        case .key(let db, let key): .cacheEntry(cache: daemon.keyspaces[db].stringTableName, key: key)
        case .item(let item): item
        }
    }

    /// The items the commit locks for this watch.
    func guardedItems(daemon: Daemon) -> [GuardedItem] { [Self.guardedItem(target, daemon: daemon)] }

    /// Whether the item changed since it was watched (`snapshot` taken under its lock).
    func hasChanged(daemon: Daemon, snapshot: DatabaseSnapshot) throws(QuiverError) -> Bool {
        let item = Self.guardedItem(target, daemon: daemon)
        if try ObservedState.current(item, database: daemon.database, snapshot: snapshot) != observed { return true }
        if case .key(let db, let key) = target,
            VectorSetFingerprint(daemon: daemon, database: db, key: key) != vectorSet
        {
            return true
        }
        return false
    }
}
