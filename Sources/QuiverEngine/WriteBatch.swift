/// Operations that commit together: after any crash, all of them or none are visible.
///
/// A batch is one write-ahead-log record. Build it, then pass it to ``StorageEngine/write(_:)``.
public struct WriteBatch: Sendable, Hashable {
    /// One change.
    public enum Operation: Sendable, Hashable {
        /// Creates a collection.
        case createCollection(CollectionDefinition)
        /// Drops a collection and everything in it.
        case dropCollection(name: String)
        /// Inserts or replaces the vector (and attributes) stored under `key`.
        case upsert(collection: String, key: String, vector: [Float], attributes: [UInt8]?)
        /// Deletes `key` (nothing when it is absent).
        case delete(collection: String, key: String)
    }

    /// The operations, applied in order.
    public private(set) var operations: [Operation] = []

    /// An empty batch.
    public init() {}

    /// Whether the batch has no operations.
    public var isEmpty: Bool { operations.isEmpty }

    /// Adds a collection creation.
    public mutating func createCollection(_ definition: CollectionDefinition) {
        operations.append(.createCollection(definition))
    }

    /// Adds a collection drop.
    public mutating func dropCollection(_ name: String) { operations.append(.dropCollection(name: name)) }

    /// Adds an upsert of `vector` under `key`, with optional attributes (typically JSON).
    public mutating func upsert(_ key: String, vector: [Float], attributes: [UInt8]? = nil, in collection: String) {
        operations.append(.upsert(collection: collection, key: key, vector: vector, attributes: attributes))
    }

    /// Adds a delete of `key`.
    public mutating func delete(_ key: String, in collection: String) {
        operations.append(.delete(collection: collection, key: key))
    }

    /// Whether the batch changes the set of collections (such batches run alone).
    var definesCollections: Bool {
        operations.contains {
            switch $0 {
            case .createCollection, .dropCollection: true
            default: false
            }
        }
    }

    // MARK: Encoding (the WAL record payload)

    static let formatVersion: UInt8 = 1

    /// The batch as a WAL record payload: version, count, then tagged operations.
    var encoded: [UInt8] {
        var writer = BinaryWriter(capacity: 64 + operations.count * 32)
        writer.write(Self.formatVersion)
        writer.write(UInt32(operations.count))
        for operation in operations {
            switch operation {
            case .createCollection(let definition):
                writer.write(UInt8(1))
                definition.encode(into: &writer)
            case .dropCollection(let name):
                writer.write(UInt8(2))
                writer.write(name)
            case .upsert(let collection, let key, let vector, let attributes):
                writer.write(UInt8(3))
                writer.write(collection)
                writer.write(key)
                writer.write(vector)
                writer.write(attributes != nil)
                if let attributes { writer.writeBytes(attributes) }
            case .delete(let collection, let key):
                writer.write(UInt8(4))
                writer.write(collection)
                writer.write(key)
            }
        }
        return writer.bytes
    }

    /// Decodes a WAL record payload.
    ///
    /// - Throws: ``EngineError/Code/unsupported`` for a newer format, ``EngineError/Code/corruption``
    ///   for malformed bytes.
    init(encoded bytes: [UInt8]) throws(EngineError) {
        var reader = BinaryReader(bytes, context: "write batch")
        let version = try reader.read(UInt8.self)
        guard version == Self.formatVersion else {
            throw EngineError(.unsupported, "write batch format \(version) is newer than this build reads (\(Self.formatVersion))")
        }
        let count = Int(try reader.read(UInt32.self))
        guard count <= reader.remaining else { throw EngineError(.corruption, "write batch: \(count) operations in \(bytes.count) bytes") }
        for _ in 0..<count {
            switch try reader.read(UInt8.self) {
            case 1: operations.append(.createCollection(try CollectionDefinition.decode(from: &reader)))
            case 2: operations.append(.dropCollection(name: try reader.readString()))
            case 3:
                let collection = try reader.readString()
                let key = try reader.readString()
                let vector = try reader.readFloats()
                let attributes = try reader.readBool() ? try reader.readBytes() : nil
                operations.append(.upsert(collection: collection, key: key, vector: vector, attributes: attributes))
            case 4:
                let collection = try reader.readString()
                operations.append(.delete(collection: collection, key: try reader.readString()))
            case let tag:
                throw EngineError(.corruption, "write batch: unknown operation tag \(tag)")
            }
        }
        try reader.finish()
    }
}
