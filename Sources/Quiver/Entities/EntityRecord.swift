internal import QuiverEngine
internal import QuiverFilter

/// How an entity is stored in the entities table: times, attributes and the vectors it owns.
///
/// `u8` version (1), `i64` created, `i64` updated, attributes (`u32` length + JSON), `u32` count
/// of owned vectors, each a collection name and a key (`u32` length + bytes).
struct EntityRecord: Sendable, Equatable {
    var created: Int64
    var updated: Int64
    var attributes: [UInt8]
    var owned: [OwnedVector]

    struct OwnedVector: Sendable, Hashable {
        var collection: String
        var key: [UInt8]
    }

    static let version: UInt8 = 1

    var encoded: [UInt8] {
        var writer = BinaryWriter(capacity: 32 + attributes.count)
        writer.write(Self.version)
        writer.write(created)
        writer.write(updated)
        writer.writeBytes(attributes)
        writer.write(UInt32(owned.count))
        for vector in owned {
            writer.write(vector.collection)
            writer.writeBytes(vector.key)
        }
        return writer.bytes
    }

    init(created: Int64, updated: Int64, attributes: [UInt8], owned: [OwnedVector]) {
        self.created = created
        self.updated = updated
        self.attributes = attributes
        self.owned = owned
    }

    init(decoding bytes: [UInt8]) throws(QuiverError) {
        do {
            var reader = BinaryReader(bytes, context: "entity record")
            let version = try reader.read(UInt8.self)
            guard version == Self.version else {
                throw QuiverError(.unsupported, "entity record format \(version) is not one this build reads")
            }
            created = try reader.read(Int64.self)
            updated = try reader.read(Int64.self)
            attributes = try reader.readBytes()
            let count = Int(try reader.read(UInt32.self))
            guard count <= reader.remaining else { throw QuiverError(.corruption, "entity record: \(count) vectors") }
            owned = []
            for _ in 0..<count { owned.append(OwnedVector(collection: try reader.readString(), key: try reader.readBytes())) }
            try reader.finish()
        } catch let error as QuiverError {
            throw error
        } catch {
            throw QuiverError.wrap(error)
        }
    }

    func entity(_ ref: EntityRef) throws(QuiverError) -> Entity {
        let value: JSONValue
        do { value = try JSONValue(parsing: attributes) } catch {
            throw QuiverError(.corruption, "entity \(ref): stored attributes are not JSON: \(error)")
        }
        return Entity(ref: ref, attributes: value, created: created, updated: updated)
    }
}

/// The keys of the metadata tables: order-preserving tuples (``SortableKeyEncoder``).
enum MetadataKeys {
    static let entities = "quiver.entities"
    static let entityIndex = "quiver.entity-index"
    static let notes = "quiver.notes"
    static let notesByEntity = "quiver.notes-by-entity"
    static let schema = "quiver.schema"
    static let cachePrefix = "quiver.cache."
    static let reservedPrefix = "quiver."

    /// The tables every database has.
    static let tables = [entities, entityIndex, notes, notesByEntity, schema]

    static func entity(_ ref: EntityRef) -> [UInt8] { SortableKeyEncoder.encode([.string(ref.type), .string(ref.id)]) }

    static func entityType(_ type: String) -> [UInt8] { SortableKeyEncoder.encode([.string(type)]) }

    /// The reference a key of the entities table names.
    static func entityRef(_ key: [UInt8]) -> EntityRef? {
        guard let components = try? SortableKeyDecoder.decode(key), components.count == 2,
            case .string(let type) = components[0], case .string(let id) = components[1]
        else { return nil }
        return EntityRef(type: type, id: id)
    }

    /// The key an entity's own vectors are stored under in a collection (the entity key).
    static func entityVector(_ ref: EntityRef) -> [UInt8] { entity(ref) }

    /// An index entry: (type, attribute, value, id).
    static func indexEntry(_ ref: EntityRef, attribute: String, value: SortableKeyComponent) -> [UInt8] {
        SortableKeyEncoder.encode([.string(ref.type), .string(attribute), value, .string(ref.id)])
    }

    static func indexPrefix(type: String, attribute: String, value: SortableKeyComponent? = nil) -> [UInt8] {
        var components: [SortableKeyComponent] = [.string(type), .string(attribute)]
        if let value { components.append(value) }
        return SortableKeyEncoder.encode(components)
    }

    static func note(_ id: String) -> [UInt8] { SortableKeyEncoder.encode([.string(id)]) }

    /// An entry of an entity's notes: (type, id, −created, the note id's bytes inverted), so that
    /// a prefix scan lists them newest first, notes of one millisecond included (ids grow with
    /// time).
    static func noteByEntity(_ ref: EntityRef, created: Int64, id: String) -> [UInt8] {
        SortableKeyEncoder.encode([.string(ref.type), .string(ref.id), .number(-Double(created)), .bytes(id.utf8.map { ~$0 })])
    }

    /// The note id an entry of ``noteByEntity(_:created:id:)`` names.
    static func noteID(fromEntry key: [UInt8]) -> String? {
        guard let components = try? SortableKeyDecoder.decode(key), components.count == 4, case .bytes(let inverted) = components[3]
        else { return nil }
        return String(validating: inverted.map { ~$0 }, as: UTF8.self)
    }

    static func notesPrefix(_ ref: EntityRef) -> [UInt8] { SortableKeyEncoder.encode([.string(ref.type), .string(ref.id)]) }

    static func schemaEntry(kind: String, name: String) -> [UInt8] { SortableKeyEncoder.encode([.string(kind), .string(name)]) }

    /// How an index entry's value came from the attribute: the byte stored as the entry's value,
    /// so that facet counts report what the entity holds.
    enum IndexOrigin: UInt8 {
        /// The attribute's own value (or an array element).
        case value = 0
        /// The number a numeric string also reads as (the filter language compares `"42" == 42`).
        case numericString = 1
        /// A boolean, indexed as the 0 or 1 the filter language reads it as.
        case boolean = 2
        /// An array as a whole, indexed as the 0 it reads as when compared (`.tags == "x"` is
        /// `0 == 0` in the filter language).
        case array = 3
    }

    /// The index entries of an attribute value: scalars as themselves (booleans as 0 and 1, as
    /// the filter language reads them, and numeric strings also as their number), arrays element
    /// by element; objects are not indexed.
    static func indexValues(_ value: JSONValue) -> [SortableKeyComponent: IndexOrigin] {
        var out: [SortableKeyComponent: IndexOrigin] = [:]
        func add(_ component: SortableKeyComponent, _ origin: IndexOrigin) {
            // An own value wins over a derived one of the same key.
            if let existing = out[component], existing == .value { return }
            out[component] = origin
        }
        func scalar(_ value: JSONValue) {
            switch value {
            case .null: add(.null, .value)
            case .bool(let b): add(.number(b ? 1 : 0), .boolean)
            case .number(let n): add(.number(n), .value)
            case .string(let s):
                add(.string(s), .value)
                if let n = FilterConstraint.number(inString: s) { add(.number(n), .numericString) }
            case .array, .object: break
            }
        }
        if case .array(let elements) = value {
            elements.forEach(scalar)
            add(.number(0), .array)
        } else {
            scalar(value)
        }
        return out
    }
}
