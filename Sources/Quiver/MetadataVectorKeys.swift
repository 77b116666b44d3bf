package import QuiverEngine
internal import QuiverFilter

/// The keys entities' and notes' vectors are stored under in collections, for code that reads
/// collections directly (the daemon's searches by an existing entity and its mixed results).
package enum MetadataVectorKeys {
    /// The key of entity `ref`'s vector in any collection it owns one in.
    package static func entity(_ ref: EntityRef) -> Key { Key(MetadataKeys.entityVector(ref)) }

    /// The entity whose vector `key` is, or `nil` when it is not an entity's.
    package static func entityRef(_ key: Key) -> EntityRef? { MetadataKeys.entityRef(key.bytes) }

    /// The note whose embedding `key` is, or `nil` when it is not a note's.
    package static func noteID(_ key: Key) -> String? {
        guard let components = try? SortableKeyDecoder.decode(key.bytes), components.count == 1,
            case .string(let id) = components[0]
        else { return nil }
        return id
    }
}
