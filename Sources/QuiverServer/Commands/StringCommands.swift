internal import NIOCore
internal import Quiver
internal import QuiverRESP

/// String commands over the logical database's strings table, with Redis 7's replies and
/// errors. Each read-modify-write runs under the keys' locks (``Cache/update(_:_:)``), so
/// `SET NX`, `INCR` or `GETSET` never lose a concurrent write.
///
/// A vector set is a key too: reading one as a string is `WRONGTYPE`, `SET` and `MSET` replace
/// one (dropping it just before the string is written), `MGET` reads one as nil.
enum StringCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "GET", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "string",
            summary: "Returns the string value of a key.", write: writeGet, run: get),
        CommandSpec(
            "SET", arity: -3, flags: [.write, .denyoom], keys: (1, 1, 1), group: "string",
            summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
            stage: stageSet, run: set),
        CommandSpec(
            "SETNX", arity: 3, flags: [.write, .denyoom, .fast], keys: (1, 1, 1), group: "string",
            summary: "Set the string value of a key only when the key doesn't exist.", run: setnx),
        CommandSpec(
            "SETEX", arity: 4, flags: [.write, .denyoom], keys: (1, 1, 1), group: "string",
            summary: "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
            since: "2.0.0"
        ) { context throws(CommandError) in try setWithExpiry(&context, unit: .seconds, command: "setex") },
        CommandSpec(
            "PSETEX", arity: 4, flags: [.write, .denyoom], keys: (1, 1, 1), group: "string",
            summary:
                "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
            since: "2.6.0"
        ) { context throws(CommandError) in try setWithExpiry(&context, unit: .milliseconds, command: "psetex") },
        CommandSpec(
            "GETSET", arity: 3, flags: [.write, .denyoom, .fast], keys: (1, 1, 1), group: "string",
            summary: "Returns the previous string value of a key after setting it to a new value.", run: getset),
        CommandSpec(
            "GETDEL", arity: 2, flags: [.write, .fast], keys: (1, 1, 1), group: "string",
            summary: "Returns the string value of a key after deleting the key.", since: "6.2.0", run: getdel),
        CommandSpec(
            "GETEX", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), group: "string",
            summary: "Returns the string value of a key after setting its expiration time.", since: "6.2.0", run: getex),
        CommandSpec(
            "MGET", arity: -2, flags: [.readonly, .fast], keys: (1, -1, 1), group: "string",
            summary: "Atomically returns the string values of one or more keys.",
            complexity: "O(N) where N is the number of keys to retrieve.",
            run: mget),
        CommandSpec(
            "MSET", arity: -3, flags: [.write, .denyoom], keys: (1, -1, 2), group: "string",
            summary: "Atomically creates or modifies the string values of one or more keys.", since: "1.0.1",
            complexity: "O(N) where N is the number of keys to set.", run: mset),
        CommandSpec(
            "MSETNX", arity: -3, flags: [.write, .denyoom], keys: (1, -1, 2), group: "string",
            summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.",
            since: "1.0.1",
            complexity: "O(N) where N is the number of keys to set.", run: msetnx),
        CommandSpec(
            "APPEND", arity: 3, flags: [.write, .denyoom, .fast], keys: (1, 1, 1), group: "string",
            summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.", since: "2.0.0",
            run: append),
        CommandSpec(
            "STRLEN", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "string",
            summary: "Returns the length of a string value.", since: "2.2.0", run: strlen),
        CommandSpec(
            "INCR", arity: 2, flags: [.write, .denyoom, .fast], keys: (1, 1, 1), group: "string",
            summary: "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist."
        ) {
            context throws(CommandError) in try increment(&context, by: 1)
        },
        CommandSpec(
            "DECR", arity: 2, flags: [.write, .denyoom, .fast], keys: (1, 1, 1), group: "string",
            summary: "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist."
        ) {
            context throws(CommandError) in try increment(&context, by: -1)
        },
        CommandSpec(
            "INCRBY", arity: 3, flags: [.write, .denyoom, .fast], keys: (1, 1, 1), group: "string",
            summary:
                "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist."
        ) {
            context throws(CommandError) in
            let delta = try context.integer(2)
            return try increment(&context, by: delta)
        },
        CommandSpec(
            "DECRBY", arity: 3, flags: [.write, .denyoom, .fast], keys: (1, 1, 1), group: "string",
            summary:
                "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist."
        ) {
            context throws(CommandError) in
            let decrement = try context.integer(2)
            guard decrement != .min else { throw .err("decrement would overflow") }
            return try increment(&context, by: -decrement)
        },
        CommandSpec(
            "INCRBYFLOAT", arity: 3, flags: [.write, .denyoom, .fast], keys: (1, 1, 1), group: "string",
            summary:
                "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
            since: "2.6.0", run: incrbyfloat),
    ]

    // MARK: Reading

    static func get(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        guard let value = try getValue(context) else { return .nullBulkString }
        return .bulkString(bytes: value)
    }

    /// `GET`'s reply written straight into the output.
    static func writeGet(_ context: inout CommandContext, _ output: inout ByteBuffer) throws(CommandError) {
        let key = context.key(1)
        // The value is copied into the reply in place: no reference to it, or to the table, is taken.
        let found = try context.withStringTable { table in table.withValue(key) { output.writeRESPBulkString(raw: $0) } }
        if found { return }
        if context.isVectorSet(key) { throw .wrongType }
        output.writeRESPNull(protocolVersion: context.protocolVersion)
    }

    /// The value `GET` replies with: the string, `nil` for no key, or `WRONGTYPE`.
    private static func getValue(_ context: CommandContext) throws(CommandError) -> [UInt8]? {
        let key = context.key(1)
        if let value = try context.stringTable().get(key) { return value }
        if context.isVectorSet(key) { throw .wrongType }
        return nil
    }

    /// Reads under the keys' locks, which a multi-key write (`MSET`) holds until all of its
    /// values are in: a reply never mixes values from before and after one.
    static func mget(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let strings = try context.stringTable()
        let keys = context.arguments.dropFirst().map(Key.init)
        guard keys.count > 1 else { return .array([.bulkOrNull(strings.get(keys[0]))]) }
        return try context.update(strings, keys) { entries in
            // `get` rather than the entries read: it counts hits and misses.
            (Array(repeating: .keep, count: keys.count), .success(.array(keys.map { .bulkOrNull(strings.get($0)) })))
        }
    }

    static func strlen(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let key = context.key(1)
        if let entry = try context.stringTable().peek(key) { return .integer(Int64(entry.value.count)) }
        if context.isVectorSet(key) { throw .wrongType }
        return .integer(0)
    }

    // MARK: Setting

    static func set(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        try context.requireMemory()
        let arguments = context.arguments
        let key = Key(arguments[1])
        let value = arguments[2]
        let strings = try context.stringTable()
        guard arguments.count > 3 else {
            // The hot path: no options, no read.
            if context.isVectorSet(key) {
                try context.keyspace.dropVectorSets(CollectionOfOne(key), daemon: context.daemon)
            }
            do { try strings.set(value, forKey: key) } catch { throw CommandError(error) }
            return .ok
        }
        let options = try StringSetOptions(parsing: arguments, grammar: .set)
        var deadline: Int64?
        if let expiry = options.expiry {
            deadline = try StringSetOptions.deadline(
                arguments[expiry.argument], unit: expiry.unit, now: context.now, command: "set")
        }
        let replacesSet = context.isVectorSet(key)
        if replacesSet {
            if options.returnOld { throw .wrongType }
            if options.onlyIfAbsent { return .nullBulkString }
            try context.keyspace.dropVectorSets(CollectionOfOne(key), daemon: context.daemon)
        }
        return try context.update(strings, [key]) { entries in
            let old = entries[0]
            let found = old != nil || replacesSet
            let reply: RESPValue = options.returnOld ? .bulkOrNull(old?.value) : .ok
            if (options.onlyIfAbsent && found) || (options.onlyIfPresent && !found) {
                return ([.keep], .success(options.returnOld ? reply : .nullBulkString))
            }
            let kept = options.keepTTL ? old?.deadline ?? .max : .max
            return ([.set(value: value, deadline: deadline ?? kept)], .success(reply))
        }
    }

    /// Stages a plain `SET key value` (no options, not over a vector set) into the connection's
    /// burst; anything else runs as ``set(_:)``.
    static func stageSet(_ context: inout CommandContext, _ burst: inout WriteBurst) throws(CommandError) -> Bool {
        let arguments = context.arguments
        guard arguments.count == 3 else { return false }
        let key = Key(arguments[1])
        guard !context.isVectorSet(key) else { return false }
        try context.requireMemory()
        // A burst stages into the strings table of the database selected when it began (every
        // command that is not staged, `SELECT` among them, commits it first).
        if burst.isEmpty { burst.begin(in: try context.stringTable()) }
        burst.stageSet(key, arguments[2])
        return true
    }

    static func setnx(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        try context.requireMemory()
        let key = context.key(1)
        let value = context.argument(2)
        let strings = try context.stringTable()
        if context.isVectorSet(key) { return .integer(0) }
        return try context.update(strings, [key]) { entries in
            entries[0] != nil
                ? ([.keep], .success(.integer(0))) : ([.set(value: value, deadline: .max)], .success(.integer(1)))
        }
    }

    /// `SETEX key seconds value` and `PSETEX key milliseconds value`.
    static func setWithExpiry(
        _ context: inout CommandContext, unit: StringSetOptions.ExpiryUnit, command: String
    ) throws(CommandError) -> RESPValue {
        try context.requireMemory()
        let key = context.key(1)
        let value = context.argument(3)
        let deadline = try StringSetOptions.deadline(
            context.argument(2), unit: unit, now: context.now, command: command)
        let strings = try context.stringTable()
        if context.isVectorSet(key) {
            try context.keyspace.dropVectorSets(CollectionOfOne(key), daemon: context.daemon)
        }
        return try context.update(strings, [key]) { _ in ([.set(value: value, deadline: deadline)], .success(.ok)) }
    }

    static func getset(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        try context.requireMemory()
        let key = context.key(1)
        let value = context.argument(2)
        let strings = try context.stringTable()
        if strings.peek(key) == nil, context.isVectorSet(key) { throw .wrongType }
        return try context.update(strings, [key]) { entries in
            ([.set(value: value, deadline: .max)], .success(.bulkOrNull(entries[0]?.value)))
        }
    }

    static func getdel(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let key = context.key(1)
        let strings = try context.stringTable()
        if strings.peek(key) == nil, context.isVectorSet(key) { throw .wrongType }
        return try context.update(strings, [key]) { entries in
            guard let old = entries[0] else { return ([.keep], .success(.nullBulkString)) }
            return ([.remove], .success(.bulkString(bytes: old.value)))
        }
    }

    static func getex(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        let options = try StringSetOptions(parsing: arguments, grammar: .getex)
        let key = Key(arguments[1])
        let strings = try context.stringTable()
        if strings.peek(key) == nil, context.isVectorSet(key) { throw .wrongType }
        let now = context.now
        return try context.update(strings, [key]) { entries in
            guard let old = entries[0] else { return ([.keep], .success(.nullBulkString)) }
            let reply = RESPValue.bulkString(bytes: old.value)
            if let expiry = options.expiry {
                // Redis checks the time only once it knows the key is a string.
                let deadline: Int64
                do {
                    deadline = try StringSetOptions.deadline(
                        arguments[expiry.argument], unit: expiry.unit, now: now, command: "getex")
                } catch { return ([.keep], .failure(CommandError(error))) }
                return ([.set(value: old.value, deadline: deadline)], .success(reply))
            }
            if options.persist, old.deadline != .max {
                return ([.set(value: old.value, deadline: .max)], .success(reply))
            }
            return ([.keep], .success(reply))
        }
    }

    static func mset(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        guard arguments.count % 2 == 1 else { throw .arity("mset") }
        try context.requireMemory()
        let strings = try context.stringTable()
        let keys = stride(from: 1, to: arguments.count, by: 2).map { Key(arguments[$0]) }
        if keys.contains(where: context.isVectorSet) {
            try context.keyspace.dropVectorSets(keys, daemon: context.daemon)
        }
        // One batch: every key or none, and readers see all of it or none of it.
        return try context.update(strings, keys) { _ in
            let changes = keys.indices.map { Cache.Change.set(value: arguments[2 * $0 + 2], deadline: .max) }
            return (changes, .success(.ok))
        }
    }

    static func msetnx(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        guard arguments.count % 2 == 1 else { throw .arity("msetnx") }
        try context.requireMemory()
        let strings = try context.stringTable()
        let keys = stride(from: 1, to: arguments.count, by: 2).map { Key(arguments[$0]) }
        if keys.contains(where: context.isVectorSet) { return .integer(0) }
        return try context.update(strings, keys) { entries in
            if entries.contains(where: { $0 != nil }) {
                return (Array(repeating: .keep, count: keys.count), .success(.integer(0)))
            }
            let changes = keys.indices.map { Cache.Change.set(value: arguments[2 * $0 + 2], deadline: .max) }
            return (changes, .success(.integer(1)))
        }
    }

    // MARK: Changing values

    static func append(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        try context.requireMemory()
        let key = context.key(1)
        let suffix = context.argument(2)
        let strings = try context.stringTable()
        if strings.peek(key) == nil, context.isVectorSet(key) { throw .wrongType }
        let limit = context.daemon.configuration.maxBulkLength
        return try context.update(strings, [key]) { entries in
            guard let old = entries[0] else {
                return ([.set(value: suffix, deadline: .max)], .success(.integer(Int64(suffix.count))))
            }
            guard old.value.count + suffix.count <= limit else {
                return ([.keep], .failure(.err("string exceeds maximum allowed size (proto-max-bulk-len)")))
            }
            let value = old.value + suffix
            return ([.set(value: value, deadline: old.deadline)], .success(.integer(Int64(value.count))))
        }
    }

    /// `INCR`, `DECR`, `INCRBY`, `DECRBY`: the stored value must be a strict 64-bit integer;
    /// the time to live is kept.
    static func increment(_ context: inout CommandContext, by delta: Int64) throws(CommandError) -> RESPValue {
        try context.requireMemory()
        let key = context.key(1)
        let strings = try context.stringTable()
        if strings.peek(key) == nil, context.isVectorSet(key) { throw .wrongType }
        return try context.update(strings, [key]) { entries in
            var current: Int64 = 0
            if let old = entries[0] {
                guard let value = CommandArguments.integer(old.value) else { return ([.keep], .failure(.notInteger)) }
                current = value
            }
            let (sum, overflow) = current.addingReportingOverflow(delta)
            guard !overflow else { return ([.keep], .failure(.err("increment or decrement would overflow"))) }
            let text = Array(String(sum).utf8)
            return ([.set(value: text, deadline: entries[0]?.deadline ?? .max)], .success(.integer(sum)))
        }
    }

    static func incrbyfloat(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        try context.requireMemory()
        let key = context.key(1)
        let increment = context.argument(2)
        let strings = try context.stringTable()
        if strings.peek(key) == nil, context.isVectorSet(key) { throw .wrongType }
        return try context.update(strings, [key]) { entries in
            var current: StringFloat.LongDouble = 0
            if let old = entries[0] {
                guard let value = StringFloat.parse(old.value) else { return ([.keep], .failure(.notFloat)) }
                current = value
            }
            guard let delta = StringFloat.parse(increment) else { return ([.keep], .failure(.notFloat)) }
            let sum = current + delta
            guard sum.isFinite else { return ([.keep], .failure(.err("increment would produce NaN or Infinity"))) }
            let text = StringFloat.format(sum)
            return ([.set(value: text, deadline: entries[0]?.deadline ?? .max)], .success(.bulkString(bytes: text)))
        }
    }
}
