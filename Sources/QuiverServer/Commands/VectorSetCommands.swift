internal import Quiver
internal import QuiverRESP

/// The Redis 8.8 vector-set commands (`VADD`, `VSIM`, …), over collections the
/// ``VectorSetRegistry`` names. Each family of commands is in a `VectorSetCommands+Topic.swift`
/// file; `docs/protocol/vector-sets.md` lists where they differ from Redis.
enum VectorSetCommands {
    static let specs: [CommandSpec] =
        [
            CommandSpec(
                "VADD", arity: -5, flags: [.write, .denyoom, .module], keys: (1, 1, 1), group: "module",
                summary: "Adds an element to a vector set (creating the set) or replaces its vector.", since: "8.0.0",
                complexity: "O(log(N)) for N elements.",
                run: add),
            CommandSpec(
                "VSIM", arity: -4, flags: [.readonly, .module], keys: (1, 1, 1), group: "module",
                summary: "Returns the elements most similar to a vector or to an element.", since: "8.0.0",
                complexity: "O(log(N)) for N elements; O(N) with TRUTH.", run: similar),
            CommandSpec(
                "VREM", arity: 3, flags: [.write, .module], keys: (1, 1, 1), group: "module",
                summary: "Removes an element from a vector set.", since: "8.0.0",
                complexity: "O(log(N)) for N elements.",
                run: remove),
            CommandSpec(
                "VCARD", arity: 2, flags: [.readonly, .fast, .module], keys: (1, 1, 1), group: "module",
                summary: "Returns the number of elements in a vector set.", since: "8.0.0", run: cardinality),
            CommandSpec(
                "VDIM", arity: 2, flags: [.readonly, .fast, .module], keys: (1, 1, 1), group: "module",
                summary: "Returns the dimension of a vector set's vectors.", since: "8.0.0", run: dimension),
            CommandSpec(
                "VEMB", arity: -3, flags: [.readonly, .fast, .module], keys: (1, 1, 1), group: "module",
                summary: "Returns an element's vector.", since: "8.0.0", run: embedding),
            CommandSpec(
                "VLINKS", arity: -3, flags: [.readonly, .fast, .module], keys: (1, 1, 1), group: "module",
                summary: "Returns an element's neighbours on each layer of the HNSW graph.", since: "8.0.0", run: links),
            CommandSpec(
                "VINFO", arity: 2, flags: [.readonly, .fast, .module], keys: (1, 1, 1), group: "module",
                summary: "Returns a vector set's parameters and counters.", since: "8.0.0", run: information),
            CommandSpec(
                "VSETATTR", arity: 4, flags: [.write, .fast, .module], keys: (1, 1, 1), group: "module",
                summary: "Sets or removes an element's attributes.", since: "8.0.0", run: setAttributes),
            CommandSpec(
                "VGETATTR", arity: 3, flags: [.readonly, .fast, .module], keys: (1, 1, 1), group: "module",
                summary: "Returns an element's attributes.", since: "8.0.0", run: getAttributes),
            CommandSpec(
                "VRANDMEMBER", arity: -2, flags: [.readonly, .module], keys: (1, 1, 1), group: "module",
                summary: "Returns random elements of a vector set.", since: "8.0.0",
                complexity: "O(|count| × log(N)) for N elements.", run: randomMembers),
            CommandSpec(
                "VISMEMBER", arity: 3, flags: [.readonly, .module], keys: (1, 1, 1), group: "module",
                summary: "Returns whether an element is in a vector set.", since: "8.2.0", run: isMember),
            CommandSpec(
                "VRANGE", arity: -4, flags: [.readonly, .module], keys: (1, 1, 1), group: "module",
                summary: "Returns the elements within a lexicographical range, in order.", since: "8.4.0",
                complexity: "O(log(N) + M) for N elements and M returned.",
                run: range),
        ] + VectorSetHelloFallback.specs

    // MARK: Shared steps

    /// The set under `key` in the connection's database, `nil` when the key is missing.
    ///
    /// - Throws: `WRONGTYPE` when the key holds another type.
    static func vectorSet(_ context: CommandContext, _ key: Key) throws(CommandError) -> VectorSetInfo? {
        if let info = context.daemon.vectorSets.info(context.connection.database, key) { return info }
        if try context.keyspace.type(of: key, daemon: context.daemon) != nil { throw .wrongType }
        return nil
    }

    /// The set under `key` and a snapshot that holds its collection, `nil` when the key is
    /// missing (or was dropped since the registry was read).
    ///
    /// - Throws: `WRONGTYPE` when the key holds another type.
    static func open(
        _ context: CommandContext, _ key: Key
    ) throws(CommandError) -> (info: VectorSetInfo, snapshot: Snapshot)? {
        guard let info = try vectorSet(context, key) else { return nil }
        let snapshot = context.database.engine.snapshot()
        guard (try? snapshot.definition(of: info.collection)) != nil else { return nil }
        return (info, snapshot)
    }

    /// `values` as the set stores them: projected to the set's dimension when it was created with
    /// REDUCE, as they are otherwise.
    ///
    /// - Throws: `ERR Input dimension mismatch for projection …` when a projected set gets the wrong
    ///   input dimension; `ERR invalid vector specification` when the projection overflows f32.
    static func stored(_ values: [Float], in info: VectorSetInfo) throws(CommandError) -> [Float] {
        guard info.isProjected else { return values }
        guard values.count == info.projectionInputDimension else {
            throw .err(
                "Input dimension mismatch for projection - got \(values.count) but projection expects \(info.projectionInputDimension)"
            )
        }
        let projected = VectorSetProjection(inputDimension: values.count, outputDimension: info.dimension).apply(values)
        guard projected.allSatisfy(\.isFinite) else { throw .err("invalid vector specification") }
        return projected
    }

    /// An engine failure as an error reply.
    static func failure(_ error: any Error) -> CommandError { .err((error as? EngineError)?.message ?? "\(error)") }

    /// A bulk string of an element name or attribute.
    static func bulk(_ bytes: [UInt8]) -> RESPValue { .bulkString(bytes: bytes) }
}
