public import Quiver

/// The type of a key, as `TYPE` reports it.
enum KeyType: String, Sendable {
    case string
    case vectorset
}

/// One of the sixteen logical databases (`SELECT 0..15`): the namespace that keeps one tenant's
/// keys, vector sets, entities, notes and cache tables apart from another's.
///
/// Strings live in a persistent cache table of the database (`redis.db<N>`, unbounded unless
/// `maxmemory` is set); vector sets in collections the ``VectorSetRegistry`` names; metadata under
/// names prefixed with `db<N>.`.
struct LogicalDatabase: Sendable {
    /// 0...15.
    let index: Int

    /// The cache table holding the database's strings.
    var stringTableName: String { "redis.db\(index)" }

    /// The prefix of this database's entity types, collections and cache tables made by the
    /// metadata commands.
    var namespacePrefix: String { "db\(index)." }

    /// The strings table of `database` (created on first use).
    func strings(in database: Database) throws(CommandError) -> Cache {
        if let cache = try? database.cache(stringTableName) { return cache }
        do {
            return try database.createCache(
                stringTableName, configuration: CacheConfiguration(maxEntries: Int.max / 2, maxBytes: Int.max / 2, persistent: true))
        } catch { throw CommandError.err(error.message) }
    }

    /// The type of `key`, `nil` when it does not exist.
    func type(of key: Key, daemon: Daemon) throws(CommandError) -> KeyType? {
        if try strings(in: daemon.database).peek(key) != nil { return .string }
        if daemon.vectorSets.info(index, key) != nil { return .vectorset }
        return nil
    }
}
