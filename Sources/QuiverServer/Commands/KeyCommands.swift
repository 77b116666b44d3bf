internal import Quiver
internal import QuiverRESP

/// Generic key commands (types, deletes, expiry, renames, scans, flushes) over the strings and
/// vector sets of the selected logical database, with Redis 7's replies and errors.
///
/// Times to live are absolute wall-clock milliseconds stored with each string (`EXPIRE` becomes
/// a deadline, as Redis turns it into `PEXPIREAT`), so they survive restarts. Vector sets have no
/// time to live: `TTL` reports -1, an `EXPIRE` in the past deletes the set as Redis would, and
/// one in the future is refused (``CommandError/vectorSetExpiry``).
enum KeyCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "TYPE", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Determines the type of value stored at a key."
        ) { context throws(CommandError) in
            .simpleString(try context.keyspace.type(of: context.key(1), daemon: context.daemon)?.rawValue ?? "none")
        },
        CommandSpec(
            "DEL", arity: -2, flags: [.write], keys: (1, -1, 1), group: "generic", summary: "Deletes one or more keys.",
            complexity: "O(N) where N is the number of keys that will be removed.", run: del),
        CommandSpec(
            "UNLINK", arity: -2, flags: [.write, .fast], keys: (1, -1, 1), group: "generic",
            summary: "Asynchronously deletes one or more keys.", since: "4.0.0",
            complexity: "O(1) for each key removed regardless of its size.", run: del),
        CommandSpec(
            "EXISTS", arity: -2, flags: [.readonly, .fast], keys: (1, -1, 1), group: "generic",
            summary: "Determines whether one or more keys exist.",
            complexity: "O(N) where N is the number of keys to check.",
            run: exists),
        CommandSpec(
            "EXPIRE", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Sets the expiration time of a key in seconds."
        ) { context throws(CommandError) in try expire(&context, unit: 1000, relative: true, command: "expire") },
        CommandSpec(
            "PEXPIRE", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Sets the expiration time of a key in milliseconds.", since: "2.6.0"
        ) { context throws(CommandError) in try expire(&context, unit: 1, relative: true, command: "pexpire") },
        CommandSpec(
            "EXPIREAT", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Sets the expiration time of a key to a Unix timestamp.", since: "1.2.0"
        ) { context throws(CommandError) in try expire(&context, unit: 1000, relative: false, command: "expireat") },
        CommandSpec(
            "PEXPIREAT", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.", since: "2.6.0"
        ) { context throws(CommandError) in try expire(&context, unit: 1, relative: false, command: "pexpireat") },
        CommandSpec(
            "TTL", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Returns the expiration time in seconds of a key."
        ) { context throws(CommandError) in try timeToLive(&context, milliseconds: false, absolute: false) },
        CommandSpec(
            "PTTL", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Returns the expiration time in milliseconds of a key.", since: "2.6.0"
        ) { context throws(CommandError) in try timeToLive(&context, milliseconds: true, absolute: false) },
        CommandSpec(
            "EXPIRETIME", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Returns the expiration time of a key as a Unix timestamp.", since: "7.0.0"
        ) { context throws(CommandError) in try timeToLive(&context, milliseconds: false, absolute: true) },
        CommandSpec(
            "PEXPIRETIME", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.", since: "7.0.0"
        ) { context throws(CommandError) in try timeToLive(&context, milliseconds: true, absolute: true) },
        CommandSpec(
            "PERSIST", arity: 2, flags: [.write, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Removes the expiration time of a key.", since: "2.2.0", run: persist),
        CommandSpec(
            "RENAME", arity: 3, flags: [.write], keys: (1, 2, 1), group: "generic",
            summary: "Renames a key and overwrites the destination."
        ) { context throws(CommandError) in try rename(&context, onlyIfAbsent: false) },
        CommandSpec(
            "RENAMENX", arity: 3, flags: [.write, .fast], keys: (1, 2, 1), group: "generic",
            summary: "Renames a key only when the target key name doesn't exist."
        ) { context throws(CommandError) in try rename(&context, onlyIfAbsent: true) },
        CommandSpec(
            "SCAN", arity: -2, flags: [.readonly], group: "generic",
            summary: "Iterates over the key names in the database.",
            since: "2.8.0",
            complexity:
                "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
            run: scan),
        CommandSpec(
            "KEYS", arity: 2, flags: [.readonly], group: "generic",
            summary: "Returns all key names that match a pattern.",
            complexity:
                "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
            run: keys),
        CommandSpec(
            "RANDOMKEY", arity: 1, flags: [.readonly], group: "generic",
            summary: "Returns a random key name from the database.",
            complexity: "O(N) in quiverd (Redis: O(1)).", run: randomKey),
        CommandSpec(
            "DBSIZE", arity: 1, flags: [.readonly, .fast], group: "server",
            summary: "Returns the number of keys in the database."
        ) { context throws(CommandError) in .integer(Int64(try context.keyspace.count(daemon: context.daemon))) },
        CommandSpec(
            "FLUSHDB", arity: -1, flags: [.write], group: "server",
            summary: "Remove all keys from the current database.",
            complexity: "O(N) where N is the number of keys in the selected database"
        ) { context throws(CommandError) in
            try flushMode(context.arguments)
            try context.keyspace.flush(daemon: context.daemon)
            return .ok
        },
        CommandSpec(
            "FLUSHALL", arity: -1, flags: [.write], group: "server", summary: "Removes all keys from all databases.",
            complexity: "O(N) where N is the total number of keys in all databases"
        ) { context throws(CommandError) in
            try flushMode(context.arguments)
            for keyspace in context.daemon.keyspaces { try keyspace.flush(daemon: context.daemon) }
            return .ok
        },
        KeyMemoryUsage.spec,
    ]

    // MARK: Existence

    /// `DEL` and `UNLINK` (memory is released at once either way): the number of keys removed.
    static func del(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let strings = try context.stringTable()
        var keys: [Key] = []
        keys.reserveCapacity(context.arguments.count - 1)
        var seen = Set<Key>()
        for argument in context.arguments.dropFirst()
        where context.arguments.count == 2 || seen.insert(Key(argument)).inserted {
            keys.append(Key(argument))
        }
        var removed = try context.update(strings, keys) { entries in
            (entries.map { $0 == nil ? .keep : .remove }, .success(.integer(Int64(entries.count { $0 != nil }))))
        }
        if keys.contains(where: context.isVectorSet) {
            let dropped = try context.keyspace.dropVectorSets(keys, daemon: context.daemon)
            if case .integer(let count) = removed { removed = .integer(count + Int64(dropped.count)) }
        }
        return removed
    }

    /// The number of the keys named that exist, a key named twice counted twice.
    static func exists(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let strings = try context.stringTable()
        var count: Int64 = 0
        for argument in context.arguments.dropFirst() {
            let key = Key(argument)
            if strings.peek(key) != nil || context.isVectorSet(key) { count += 1 }
        }
        return .integer(count)
    }

    // MARK: Expiry

    /// `EXPIRE`, `PEXPIRE`, `EXPIREAT`, `PEXPIREAT`: 1 when the deadline was set (or the key
    /// deleted because it is past), 0 when the key is missing or an option said no.
    static func expire(
        _ context: inout CommandContext, unit: Int64, relative: Bool, command: String
    ) throws(CommandError) -> RESPValue {
        let options = try KeyExpireOptions(parsing: context.arguments)
        let now = context.now
        let deadline = try KeyExpireOptions.deadline(
            context.argument(2), unit: unit, base: relative ? now : 0, command: command)
        let key = context.key(1)
        let strings = try context.stringTable()
        if strings.peek(key) == nil, context.isVectorSet(key) {
            guard options.allows(deadline, replacing: nil) else { return .integer(0) }
            guard deadline <= now else { throw .vectorSetExpiry }
            return .integer(
                Int64(try context.keyspace.dropVectorSets(CollectionOfOne(key), daemon: context.daemon).count))
        }
        return try context.update(strings, [key]) { entries in
            guard let old = entries[0] else { return ([.keep], .success(.integer(0))) }
            guard options.allows(deadline, replacing: old.deadline == .max ? nil : old.deadline) else {
                return ([.keep], .success(.integer(0)))
            }
            if deadline <= now { return ([.remove], .success(.integer(1))) }
            return ([.set(value: old.value, deadline: min(deadline, .max - 1))], .success(.integer(1)))
        }
    }

    /// `TTL`, `PTTL` (-2 missing, -1 no deadline, else the time left) and `EXPIRETIME`,
    /// `PEXPIRETIME` (the deadline); seconds are rounded to the nearest, as Redis rounds them.
    static func timeToLive(
        _ context: inout CommandContext, milliseconds: Bool, absolute: Bool
    ) throws(CommandError) -> RESPValue {
        let key = context.key(1)
        guard let entry = try context.stringTable().peek(key) else {
            return .integer(context.isVectorSet(key) ? -1 : -2)
        }
        guard entry.deadline != .max else { return .integer(-1) }
        let value = max(0, absolute ? entry.deadline : entry.deadline - context.now)
        return .integer(milliseconds ? value : (value + 500) / 1000)
    }

    static func persist(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        try context.update(try context.stringTable(), [context.key(1)]) { entries in
            guard let old = entries[0], old.deadline != .max else { return ([.keep], .success(.integer(0))) }
            return ([.set(value: old.value, deadline: .max)], .success(.integer(1)))
        }
    }

    // MARK: Renaming

    /// `RENAME` and `RENAMENX`, for strings (value and deadline move in one batch) and vector
    /// sets (the registry entry moves; the collection stays).
    static func rename(_ context: inout CommandContext, onlyIfAbsent: Bool) throws(CommandError) -> RESPValue {
        let source = context.key(1)
        let destination = context.key(2)
        let strings = try context.stringTable()
        let keyspace = context.keyspace
        let done: RESPValue = onlyIfAbsent ? .integer(1) : .ok
        let sourceSet = strings.peek(source) == nil ? context.daemon.vectorSets.info(keyspace.index, source) : nil
        if let sourceSet {
            if source == destination { return onlyIfAbsent ? .integer(0) : .ok }
            if onlyIfAbsent, keyspace.exists(destination, strings: strings, daemon: context.daemon) {
                return .integer(0)
            }
            if strings.peek(destination) != nil {
                do { try strings.remove(destination) } catch { throw CommandError(error) }
            }
            try keyspace.renameVectorSet(source, to: destination, info: sourceSet, daemon: context.daemon)
            return done
        }
        guard strings.peek(source) != nil else { throw .noSuchKey }
        if source == destination { return onlyIfAbsent ? .integer(0) : .ok }
        if context.isVectorSet(destination) {
            if onlyIfAbsent { return .integer(0) }
            try keyspace.dropVectorSets(CollectionOfOne(destination), daemon: context.daemon)
        }
        return try context.update(strings, [source, destination]) { entries in
            guard let moving = entries[0] else { return ([.keep, .keep], .failure(.noSuchKey)) }
            if onlyIfAbsent, entries[1] != nil { return ([.keep, .keep], .success(.integer(0))) }
            return ([.remove, .set(value: moving.value, deadline: moving.deadline)], .success(done))
        }
    }

    // MARK: Listing

    /// `SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]` over the order of ``KeyScanCursor``.
    static func scan(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        guard let cursor = KeyScanCursor.parse(arguments[1]) else { throw .err("invalid cursor") }
        var count = 10
        var pattern: KeyPattern?
        var type: [UInt8]?
        var index = 2
        while index < arguments.count {
            let remaining = arguments.count - index
            if CommandArguments.matches(arguments[index], "COUNT"), remaining >= 2 {
                guard let value = CommandArguments.integer(arguments[index + 1]) else { throw .notInteger }
                guard value >= 1 else { throw .syntax }
                count = Int(min(value, Int64(Int.max / 2)))
            } else if CommandArguments.matches(arguments[index], "MATCH"), remaining >= 2 {
                let candidate = KeyPattern(arguments[index + 1])
                pattern = candidate.matchesEverything ? nil : candidate
            } else if CommandArguments.matches(arguments[index], "TYPE"), remaining >= 2 {
                type = arguments[index + 1]
            } else {
                throw .syntax
            }
            index += 2
        }
        let keyspace = context.keyspace
        let strings = try context.stringTable()
        let page = try keyspace.scanSnapshot(fresh: cursor == 0, daemon: context.daemon).page(
            from: cursor, count: count)
        var found: [RESPValue] = []
        for key in page.keys {
            if let pattern, !pattern.matches(key.bytes) { continue }
            let kind: KeyType
            if strings.peek(key) != nil {
                kind = .string
            } else if context.isVectorSet(key) {
                kind = .vectorset
            } else {
                continue
            }
            if let type, !CommandArguments.equalIgnoringCase(type, kind.rawValue) { continue }
            found.append(.bulkString(bytes: key.bytes))
        }
        return .array([.bulkString(String(page.next)), .array(found)])
    }

    static func keys(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let pattern = KeyPattern(context.argument(1))
        let all = try context.keyspace.allKeys(daemon: context.daemon)
        return .array(all.compactMap { pattern.matches($0.bytes) ? .bulkString(bytes: $0.bytes) : nil })
    }

    static func randomKey(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        guard let key = try context.keyspace.allKeys(daemon: context.daemon).randomElement() else {
            return .nullBulkString
        }
        return .bulkString(bytes: key.bytes)
    }

    /// The optional `ASYNC | SYNC` of `FLUSHDB` and `FLUSHALL` (both flush at once).
    static func flushMode(_ arguments: [[UInt8]]) throws(CommandError) {
        switch arguments.count {
        case 1: return
        case 2 where CommandArguments.matches(arguments[1], "SYNC") || CommandArguments.matches(arguments[1], "ASYNC"):
            return
        default: throw .syntax
        }
    }
}

extension CommandError {
    /// A time to live in the future on a vector set: quiverd keeps none on vector sets.
    static let vectorSetExpiry = CommandError.err(
        "quiverd keeps no time to live on vector sets (only a time in the past, which deletes the set)")
}

extension CommandArguments {
    /// Whether `bytes` equals `text` ignoring ASCII case.
    static func equalIgnoringCase(_ bytes: [UInt8], _ text: String) -> Bool {
        let other = Array(text.utf8)
        guard bytes.count == other.count else { return false }
        for (a, b) in zip(bytes, other) {
            let lowerA = a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z") ? a + 32 : a
            let lowerB = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b + 32 : b
            guard lowerA == lowerB else { return false }
        }
        return true
    }
}
