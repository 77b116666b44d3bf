internal import Quiver
internal import QuiverRESP

extension VectorSetCommands {
    // MARK: VADD

    /// `VADD key [REDUCE dim] (FP32 blob | VALUES n v…) element [CAS] [NOQUANT|Q8|BIN] [EF n]
    /// [SETATTR attrs] [M n]`: 1/true for a new element, 0/false for an update.
    ///
    /// Checks run in Redis's order: arity, the vector, the element, the options, the key's type,
    /// then the set's parameters. A new set is created in one batch with its first element.
    static func add(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        guard let vector = VectorSpecification.parse(arguments, from: 2, allowsReduce: true) else {
            throw .err("invalid vector specification")
        }
        guard arguments.count - 2 - vector.consumed >= 1 else { throw .arity("VADD") }
        let element = Key(arguments[2 + vector.consumed])
        let options = try VectorAddOptions.parse(arguments, from: 3 + vector.consumed)
        let key = context.key(1)
        let db = context.connection.database
        _ = try vectorSet(context, key)
        let daemon = context.daemon
        // A DEL that drops the set between our read and our write makes the batch fail as a
        // whole (its collection is gone); the command then runs again against the new state.
        var attempts = 0
        while true {
            attempts += 1
            do throws(AddFailure) {
                return try daemon.vectorSets.withKeyLock(db, key) { () throws(AddFailure) -> RESPValue in
                    try addLocked(daemon, db, key, element, vector, options)
                }
            } catch {
                switch error {
                case .collectionGone(let error):
                    if attempts < 3 { continue }
                    throw failure(error)
                case .reply(let error):
                    throw error
                }
            }
        }
    }

    /// Why a locked `VADD` did not reply.
    private enum AddFailure: Error {
        case reply(CommandError)
        /// The set's collection vanished under the write (a concurrent drop).
        case collectionGone(EngineError)
    }

    private static func addLocked(
        _ daemon: Daemon, _ db: Int, _ key: Key, _ element: Key, _ vector: VectorSpecification,
        _ options: VectorAddOptions
    ) throws(AddFailure) -> RESPValue {
        let registry = daemon.vectorSets
        let engine = daemon.database.engine
        let newAttributes: [UInt8]?? = options.attributes.map { $0.isEmpty ? nil : $0 }
        guard var info = registry.info(db, key) else {
            // A new set: its collection, registry entry and first element in one batch.
            var info = VectorSetInfo(
                collection: "", quantization: options.quantization, m: options.m,
                dimension: vector.reduce ?? vector.dimension,
                projectionInputDimension: vector.reduce == nil ? 0 : vector.dimension,
                uid: 0)
            let values: [Float]
            do { values = try stored(vector.values, in: info) } catch { throw .reply(error) }
            let (uid, collection) = registry.reserve(db)
            info.uid = uid
            info.collection = collection
            let attributes = newAttributes ?? nil
            info.attributeCount = attributes == nil ? 0 : 1
            info.lastNodeUID = 1
            var batch = WriteBatch()
            VectorSetRegistry.creation(db, key, info, into: &batch)
            batch.upsert(element, vector: values, attributes: attributes, in: collection)
            do { try engine.write(batch) } catch { throw .reply(failure(error)) }
            registry.didCreate(db, key, info)
            return .boolean(true)
        }
        guard info.quantization == options.quantization else {
            throw .reply(.err("asked quantization mismatch with existing vector set"))
        }
        guard info.m == options.m else { throw .reply(.err("asked M value mismatch with existing vector set")) }
        if (!info.isProjected && info.dimension != vector.dimension)
            || (info.isProjected && info.dimension != (vector.reduce ?? 0))
        {
            throw .reply(.err("Vector dimension mismatch - got \(vector.dimension) but set has \(info.dimension)"))
        }
        if let reduce = vector.reduce {
            guard info.isProjected else {
                throw .reply(.err("cannot add projection to existing set without projection"))
            }
            guard reduce == info.dimension else {
                throw .reply(.err("projection dimension mismatch with existing set"))
            }
        }
        let values: [Float]
        do { values = try stored(vector.values, in: info) } catch { throw .reply(error) }
        let existing: [UInt8]??
        do { existing = try engine.snapshot().attributes(of: element, in: info.collection) } catch {
            throw error.code == .notFound ? .collectionGone(error) : .reply(failure(error))
        }
        // An update keeps the element's attribute unless SETATTR says otherwise.
        let attributes: [UInt8]? = newAttributes ?? (existing ?? nil)
        info.attributeCount += (attributes == nil ? 0 : 1) - ((existing ?? nil) == nil ? 0 : 1)
        info.lastNodeUID += 1
        var batch = WriteBatch()
        batch.upsert(element, vector: values, attributes: attributes, in: info.collection)
        VectorSetRegistry.entry(db, key, info, into: &batch)
        do { try engine.write(batch) } catch {
            throw error.code == .notFound ? .collectionGone(error) : .reply(failure(error))
        }
        registry.didUpdate(db, key, info)
        return .boolean(existing == nil)
    }
}
