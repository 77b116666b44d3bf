internal import Quiver
internal import QuiverRESP

extension VectorSetCommands {
    // MARK: VSETATTR, VGETATTR

    /// `VSETATTR key element attrs`: stores `attrs` verbatim (never validated as JSON); the empty
    /// string removes the attribute. 1/true when the element exists, even if nothing changed.
    static func setAttributes(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let key = context.key(1)
        let element = context.key(2)
        let value = context.argument(3)
        let db = context.connection.database
        guard try vectorSet(context, key) != nil else { return .boolean(false) }
        let daemon = context.daemon
        return try daemon.vectorSets.withKeyLock(db, key) { () throws(CommandError) -> RESPValue in
            guard var info = daemon.vectorSets.info(db, key) else { return .boolean(false) }
            let engine = daemon.database.engine
            let existing: [UInt8]??
            do throws(EngineError) {
                existing = try engine.snapshot().attributes(of: element, in: info.collection)
            } catch {
                if error.code == .notFound { return .boolean(false) }
                throw failure(error)
            }
            guard let old = existing else { return .boolean(false) }
            let new: [UInt8]? = value.isEmpty ? nil : value
            // Nothing to write: the engine would re-insert the vector for an unchanged attribute.
            guard old != new else { return .boolean(true) }
            info.attributeCount += (new == nil ? 0 : 1) - (old == nil ? 0 : 1)
            var batch = WriteBatch()
            batch.setAttributes(new, of: element, in: info.collection)
            VectorSetRegistry.entry(db, key, info, into: &batch)
            do { try engine.write(batch) } catch { throw failure(error) }
            daemon.vectorSets.didUpdate(db, key, info)
            return .boolean(true)
        }
    }

    /// `VGETATTR key element`: the attribute, or null when the key, element or attribute is
    /// missing.
    static func getAttributes(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        guard let (info, snapshot) = try open(context, context.key(1)) else { return .null }
        let attributes: [UInt8]??
        do { attributes = try snapshot.attributes(of: context.key(2), in: info.collection) } catch {
            throw failure(error)
        }
        guard let attributes, let attributes else { return .null }
        return bulk(attributes)
    }
}
