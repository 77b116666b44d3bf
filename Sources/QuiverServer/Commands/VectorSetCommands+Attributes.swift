internal import Quiver
internal import QuiverRESP

extension VectorSetCommands {
    // MARK: VSETATTR, VGETATTR

    /// `VSETATTR key element attrs`: stores `attrs` verbatim (never validated as JSON); the empty
    /// string removes the attribute. 1/true when the element exists, even if nothing changed.
    static func setAttributes(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let value = context.argument(3)
        return try changeElement(context) { (change: inout ElementChange) throws(CommandError) in
            let new: [UInt8]? = value.isEmpty ? nil : value
            // Nothing to write: the engine would re-insert the vector for an unchanged attribute.
            guard change.attributes != new else { return }
            change.info.attributeCount += (new == nil ? 0 : 1) - (change.attributes == nil ? 0 : 1)
            change.batch.setAttributes(new, of: change.element, in: change.info.collection)
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
