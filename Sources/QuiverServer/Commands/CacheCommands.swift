internal import Quiver
internal import QuiverRESP

/// `CACHE.*`: named cache tables (a default TTL, bounds in entries and bytes with SIEVE
/// eviction, persistent or memory-only) and their entries.
enum CacheCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "CACHE.CREATE", arity: -2, flags: [.write, .module], keys: (1, 1, 1), group: "module",
            summary: "Creates a cache table (or confirms one with the same configuration).", since: "0.1.0"
        ) { context throws(CommandError) in
            try MetadataSupport.refuseInsideTransaction(context)
            var arguments = MetadataArguments(context, from: 1)
            let name = try arguments.name("cache name")
            var configuration = CacheConfiguration()
            while let token = arguments.nextToken() {
                switch token {
                case "TTL":
                    configuration.defaultTTL = .milliseconds(
                        try arguments.integer("TTL", in: 1...Int64(Int32.max) * 1000))
                case "MAXENTRIES": configuration.maxEntries = try arguments.integer("MAXENTRIES", in: 1...(1 << 40))
                case "MAXBYTES": configuration.maxBytes = try arguments.integer("MAXBYTES", in: 1...(1 << 50))
                case "PERSISTENT": configuration.persistent = true
                case "MEMORY": configuration.persistent = false
                default: throw .syntax
                }
            }
            do throws(QuiverError) {
                try context.database.createCache(MetadataNamespace(context).qualify(name), configuration: configuration)
            } catch {
                if error.code == .alreadyExists { throw .err("cache '\(name)' exists with another configuration") }
                throw .wrapping(error)
            }
            return .ok
        },
        CommandSpec(
            "CACHE.DROP", arity: 2, flags: [.write, .module], keys: (1, 1, 1), group: "module",
            summary: "Drops a cache table and its entries.", since: "0.1.0", complexity: "O(N) entries"
        ) { context throws(CommandError) in
            try MetadataSupport.refuseInsideTransaction(context)
            let cache = try resolve(context.argument(1), context)
            do { try context.database.dropCache(cache.name) } catch { throw .wrapping(error) }
            return .ok
        },
        CommandSpec(
            "CACHE.LIST", arity: 1, flags: [.readonly, .module], group: "module",
            summary: "Lists the cache tables of the selected database.", since: "0.1.0", complexity: "O(N) tables"
        ) { context throws(CommandError) in
            let namespace = MetadataNamespace(context)
            return .array(context.database.cacheNames.compactMap(namespace.local).map { .bulkString($0) })
        },
        CommandSpec(
            "CACHE.SET", arity: -4, flags: [.write, .denyoom, .module], keys: (1, 1, 1), group: "module",
            summary: "Stores a value under a key of a cache table, with the table's TTL or its own.", since: "0.1.0"
        ) { context throws(CommandError) in
            var arguments = MetadataArguments(context, from: 1)
            let cache = try resolve(try arguments.next(), context)
            let key = Key(try arguments.next())
            let value = try arguments.next()
            var ttl: Int64?
            while let token = arguments.nextToken() {
                switch token {
                case "PX": ttl = try expiry(&arguments, scale: 1)
                case "EX": ttl = try expiry(&arguments, scale: 1000)
                default: throw .syntax
                }
            }
            // Checked here, so that a transaction never fails at its commit for it: stored
            // records hold keys up to 64 KiB and values up to 64 MiB.
            guard key.bytes.count <= 65535, value.count <= 64 << 20 else {
                throw .err("cache keys are at most 65535 bytes and values at most 64 MiB")
            }
            guard key.bytes.count + value.count <= cache.configuration.maxBytes else {
                throw .err("entry larger than the MAXBYTES of cache '\(try localName(cache, context))'")
            }
            let now = context.now
            let milliseconds = ttl ?? cache.configuration.defaultTTL.map(milliseconds)
            let deadline =
                milliseconds.map { now.addingReportingOverflow($0).overflow ? Int64.max - 1 : now + $0 } ?? .max
            try context.write { transaction in
                transaction.setCacheEntry(value, deadline: deadline, forKey: key, in: cache)
            }
            return .ok
        },
        CommandSpec(
            "CACHE.GET", arity: 3, flags: [.readonly, .fast, .module], keys: (1, 1, 1), group: "module",
            summary: "Returns the live value under a key of a cache table (counted as a hit or a miss).", since: "0.1.0"
        ) { context throws(CommandError) in
            let cache = try resolve(context.argument(1), context)
            guard let value = context.cacheValue(context.key(2), in: cache) else { return .nullBulkString }
            return .bulkString(bytes: value)
        },
        CommandSpec(
            "CACHE.DEL", arity: -3, flags: [.write, .module], keys: (1, 1, 1), group: "module",
            summary: "Removes keys from a cache table; returns how many were live.", since: "0.1.0",
            complexity: "O(1) for every key"
        ) { context throws(CommandError) in
            let cache = try resolve(context.argument(1), context)
            let keys = Set((2..<context.arguments.count).map { context.key($0) })
            let removed = try context.write { transaction -> Int in
                var removed = 0
                for key in keys where transaction.cacheEntry(key, in: cache) != nil {
                    transaction.removeCacheEntry(key, in: cache)
                    removed += 1
                }
                return removed
            }
            return .integer(Int64(removed))
        },
        CommandSpec(
            "CACHE.TTL", arity: 3, flags: [.readonly, .fast, .module], keys: (1, 1, 1), group: "module",
            summary: "Seconds until a cache entry expires (-1: never, -2: no such entry).", since: "0.1.0"
        ) { context throws(CommandError) in
            try ttl(context, scale: 1000)
        },
        CommandSpec(
            "CACHE.PTTL", arity: 3, flags: [.readonly, .fast, .module], keys: (1, 1, 1), group: "module",
            summary: "Milliseconds until a cache entry expires (-1: never, -2: no such entry).", since: "0.1.0"
        ) { context throws(CommandError) in
            try ttl(context, scale: 1)
        },
        CommandSpec(
            "CACHE.KEYS", arity: 2, flags: [.readonly, .module], keys: (1, 1, 1), group: "module",
            summary: "Returns every live key of a cache table, in no particular order.", since: "0.1.0",
            complexity: "O(N) entries"
        ) { context throws(CommandError) in
            let cache = try resolve(context.argument(1), context)
            try context.transaction?.requireNoPendingWrites(cache: cache.name, command: "CACHE.KEYS")
            return .array(cache.keys().map { .bulkString(bytes: $0.bytes) })
        },
        CommandSpec(
            "CACHE.FLUSH", arity: 2, flags: [.write, .module], keys: (1, 1, 1), group: "module",
            summary: "Removes every entry of a cache table.", since: "0.1.0", complexity: "O(N) entries"
        ) { context throws(CommandError) in
            try MetadataSupport.refuseInsideTransaction(context)
            let cache = try resolve(context.argument(1), context)
            do { try cache.removeAll() } catch { throw .wrapping(error) }
            return .ok
        },
        CommandSpec(
            "CACHE.STATS", arity: 2, flags: [.readonly, .fast, .module], keys: (1, 1, 1), group: "module",
            summary: "Returns a cache table's counters (hits, misses, evictions, expirations), size and configuration.",
            since: "0.1.0"
        ) { context throws(CommandError) in
            let cache = try resolve(context.argument(1), context)
            let statistics = cache.statistics
            let configuration = cache.configuration
            let key = MetadataSupport.key
            return .map([
                (key("hits"), .integer(Int64(statistics.hits))),
                (key("misses"), .integer(Int64(statistics.misses))),
                (key("hit_ratio"), .double(statistics.hitRatio)),
                (key("evictions"), .integer(Int64(statistics.evictions))),
                (key("expirations"), .integer(Int64(statistics.expirations))),
                (key("entries"), .integer(Int64(statistics.entries))),
                (key("bytes"), .integer(Int64(statistics.bytes))),
                (key("ttl"), .integer(configuration.defaultTTL.map(milliseconds) ?? -1)),
                (key("max_entries"), .integer(Int64(configuration.maxEntries))),
                (key("max_bytes"), .integer(Int64(configuration.maxBytes))),
                (key("persistent"), .boolean(configuration.persistent)),
            ])
        },
        CommandSpec(
            "CACHE.WATCH", arity: -3, flags: [.noscript, .loading, .stale, .fast, .noMulti, .module], keys: (1, 1, 1),
            group: "module", summary: "Watches cache entries: EXEC then aborts (null reply) if one changed.",
            since: "0.1.0",
            complexity: "O(1) for every key"
        ) { context throws(CommandError) in
            let cache = try resolve(context.argument(1), context)
            let targets = (2..<context.arguments.count).map {
                WatchedItem.Target.item(.cacheEntry(cache: cache.name, key: context.key($0)))
            }
            return try TransactionCommands.watch(targets, &context)
        },
    ]

    // MARK: Helpers

    /// The namespace's cache table named by `bytes`, or `ERR no such cache`.
    static func resolve(_ bytes: [UInt8], _ context: CommandContext) throws(CommandError) -> Cache {
        let name = try MetadataArguments.name(bytes, "cache name")
        guard let cache = try? context.database.cache(MetadataNamespace(context).qualify(name)) else {
            throw .err("no such cache '\(name)'")
        }
        return cache
    }

    private static func localName(_ cache: Cache, _ context: CommandContext) throws(CommandError) -> String {
        MetadataNamespace(context).local(cache.name) ?? cache.name
    }

    /// A positive expiry of `PX`/`EX`, in milliseconds.
    private static func expiry(_ arguments: inout MetadataArguments, scale: Int64) throws(CommandError) -> Int64 {
        guard let value = CommandArguments.integer(try arguments.next()), value > 0 else {
            throw .err("invalid expire time in 'cache.set' command")
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        guard !overflow else { throw .err("invalid expire time in 'cache.set' command") }
        return product
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// `CACHE.TTL` (scale 1000) and `CACHE.PTTL` (scale 1), rounded as Redis's `TTL` rounds.
    private static func ttl(_ context: CommandContext, scale: Int64) throws(CommandError) -> RESPValue {
        let cache = try resolve(context.argument(1), context)
        guard let entry = context.cacheEntry(context.key(2), in: cache) else { return .integer(-2) }
        guard entry.deadline != .max else { return .integer(-1) }
        let remaining = max(0, entry.deadline - context.now)
        return .integer((remaining + scale / 2) / scale)
    }
}
