internal import Quiver
internal import QuiverRESP

extension VectorSetCommands {
    // MARK: VREM

    /// `VREM key element`: 1/true when the element was removed. Removing the last element
    /// deletes the key (the set's collection and registry entry go in the same batch).
    static func remove(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        try changeElement(context) { (change: inout ElementChange) throws(CommandError) in
            if change.size <= 1 {
                change.dropsSet = true
            } else {
                if change.attributes != nil { change.info.attributeCount -= 1 }
                change.batch.delete(change.element, in: change.info.collection)
            }
        }
    }

    // MARK: VCARD, VDIM, VISMEMBER

    /// `VCARD key`: the number of elements, 0 for a missing key.
    static func cardinality(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        guard let (info, snapshot) = try open(context, context.key(1)) else { return .integer(0) }
        do { return .integer(Int64(try snapshot.count(in: info.collection))) } catch { throw failure(error) }
    }

    /// `VDIM key`: the stored dimension (the REDUCE target of a projected set).
    static func dimension(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        guard let (info, _) = try open(context, context.key(1)) else { throw .err("key does not exist") }
        return .integer(Int64(info.dimension))
    }

    /// `VISMEMBER key element`: 1/true when the element is in the set.
    static func isMember(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        guard let (info, snapshot) = try open(context, context.key(1)) else { return .boolean(false) }
        do { return .boolean(try snapshot.contains(context.key(2), in: info.collection)) } catch {
            throw failure(error)
        }
    }

    // MARK: VRANGE

    /// `VRANGE key start end [count]`: elements in byte order from `start` to `end` (`-`, `+`,
    /// `[element`, `(element`), at most `count` (all when it is negative or missing).
    static func range(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        guard arguments.count <= 5 else { throw .arity("VRANGE") }
        var count: Int64 = -1
        if arguments.count == 5 {
            guard let value = CommandArguments.integer(arguments[4]) else { throw .err("invalid COUNT value") }
            count = value
        }
        guard let start = VectorRangeBound(arguments[2]) else { throw .err("invalid start range format") }
        guard let end = VectorRangeBound(arguments[3]) else { throw .err("invalid end range format") }
        if start == .maximum || end == .minimum {
            throw .err("'-' can only be used as first argument, '+' only as second")
        }
        guard let (info, snapshot) = try open(context, context.key(1)) else { return .array([]) }
        var names: [RESPValue] = []
        guard count != 0 else { return .array([]) }
        var lowerBound: Key?
        var excluded: [UInt8]?
        if case .element(let bytes, let inclusive) = start {
            lowerBound = Key(bytes)
            if !inclusive { excluded = bytes }
        }
        do {
            try snapshot.forEachKey(in: info.collection, from: lowerBound) { key in
                if let excluded, key.bytes == excluded { return true }
                guard end.admitsAsEnd(key.bytes) else { return false }
                names.append(bulk(key.bytes))
                return count < 0 || names.count < count
            }
        } catch { throw failure(error) }
        return .array(names)
    }

    // MARK: VRANDMEMBER

    /// Most elements one `VRANDMEMBER` with a negative count returns (Redis has no bound and
    /// would try to build any reply).
    static let maxRandomMembers = 1 << 24

    /// `VRANDMEMBER key [count]`: one random element (null for a missing key), or an array of
    /// `count` distinct ones (at most all), or of `|count|` possibly repeated ones when negative.
    static func randomMembers(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        guard arguments.count <= 3 else { throw .arity("VRANDMEMBER") }
        var count: Int64?
        if arguments.count == 3 {
            guard let value = CommandArguments.integer(arguments[2]) else {
                throw .err("COUNT value is not an integer")
            }
            if value == 0 { return .array([]) }
            count = value
        }
        guard let (info, snapshot) = try open(context, context.key(1)) else { return count == nil ? .null : .array([]) }
        do {
            guard let count else {
                return try snapshot.randomKeys(count: 1, distinct: true, in: info.collection).first.map {
                    bulk($0.bytes)
                } ?? .null
            }
            let magnitude = Int(min(count.magnitude, UInt64(maxRandomMembers)))
            let keys = try snapshot.randomKeys(count: magnitude, distinct: count > 0, in: info.collection)
            return .array(keys.map { bulk($0.bytes) })
        } catch { throw failure(error) }
    }
}
