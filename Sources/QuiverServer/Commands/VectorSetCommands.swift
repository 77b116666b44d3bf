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
                complexity: "O(log(N)) for N elements; O(N) with TRUTH.", offload: offloadSimilar, run: similar),
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
        ]

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

    /// What `VREM` and `VSETATTR` change about an existing element: the set's entry (its
    /// counters), the batch to commit, or the whole set.
    struct ElementChange {
        let element: Key
        /// The element's attribute before the change.
        let attributes: [UInt8]?
        /// The set's size before the change.
        let size: Int
        var info: VectorSetInfo
        /// The element's operations; the registry entry is added when the batch is not empty.
        var batch = WriteBatch()
        /// Whether the change drops the set instead (its last element goes).
        var dropsSet = false
    }

    /// Runs `change` for the element `arguments[2]` of the set `arguments[1]` under the key's lock
    /// and commits what it asks for: 0/false when the key or the element is missing, else
    /// 1/true (also when `change` writes nothing).
    static func changeElement(
        _ context: CommandContext, _ change: (inout ElementChange) throws(CommandError) -> Void
    ) throws(CommandError) -> RESPValue {
        let key = context.key(1)
        let element = context.key(2)
        let db = context.connection.database
        guard try vectorSet(context, key) != nil else { return .boolean(false) }
        let registry = context.daemon.vectorSets
        let engine = context.database.engine
        return try registry.withKeyLock(db, key) { () throws(CommandError) -> RESPValue in
            guard let info = registry.info(db, key) else { return .boolean(false) }
            let snapshot = engine.snapshot()
            let existing: [UInt8]??
            let size: Int
            do throws(EngineError) {
                existing = try snapshot.attributes(of: element, in: info.collection)
                size = try snapshot.count(in: info.collection)
            } catch {
                // The set was dropped since the registry was read: the key is missing.
                if error.code == .notFound { return .boolean(false) }
                throw failure(error)
            }
            guard let attributes = existing else { return .boolean(false) }
            var edit = ElementChange(element: element, attributes: attributes, size: size, info: info)
            try change(&edit)
            if edit.dropsSet {
                var batch = WriteBatch()
                VectorSetRegistry.removal(db, key, edit.info, into: &batch)
                do { try engine.write(batch) } catch { throw failure(error) }
                registry.didDrop(db, key)
            } else if !edit.batch.isEmpty {
                VectorSetRegistry.entry(db, key, edit.info, into: &edit.batch)
                do { try engine.write(edit.batch) } catch { throw failure(error) }
                registry.didUpdate(db, key, edit.info)
            }
            return .boolean(true)
        }
    }

    /// An engine failure as an error reply.
    static func failure(_ error: any Error) -> CommandError { .err((error as? EngineError)?.message ?? "\(error)") }

    /// A bulk string of an element name or attribute.
    static func bulk(_ bytes: [UInt8]) -> RESPValue { .bulkString(bytes: bytes) }
}
