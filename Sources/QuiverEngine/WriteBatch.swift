/// Operations that commit together: after any crash, all of them or none are visible, and no
/// reader ever sees some of them without the others.
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
        case upsert(collection: String, key: Key, vector: [Float], attributes: [UInt8]?)
        /// Deletes `key` (nothing when it is absent).
        case delete(collection: String, key: Key)
        /// Replaces the attributes of the vector stored under `key` (`nil` removes them); nothing
        /// when the key is absent.
        case setAttributes(collection: String, key: Key, attributes: [UInt8]?)
        /// Creates a record table.
        case createTable(TableDefinition)
        /// Drops a record table and every record in it.
        case dropTable(name: String)
        /// Stores `value` under `key`, expiring at `expiresAt` (wall-clock milliseconds since
        /// 1970) when given.
        case put(table: String, key: Key, value: [UInt8], expiresAt: Int64?)
        /// Removes the record under `key` (nothing when it is absent).
        case remove(table: String, key: Key)
    }

    /// The batch as stored: single operations, and runs of puts into one table (the common shape
    /// of a burst of cache writes), which validation, encoding and publication walk without
    /// copying an ``Operation`` per record.
    private(set) var steps: [Step] = []
    /// The put runs ``steps`` refer to.
    private(set) var runs: [RecordPuts] = []

    /// How many operations the batch holds.
    public private(set) var count = 0

    /// The operations, applied in order.
    public var operations: [Operation] {
        var out: [Operation] = []
        out.reserveCapacity(count)
        for step in steps {
            switch step {
            case .single(let operation): out.append(operation)
            case .puts(let index):
                let run = runs[index]
                for i in run.keys.indices {
                    let expiry = run.expiries[i]
                    out.append(.put(table: run.table, key: run.keys[i], value: run.values[i], expiresAt: expiry == 0 ? nil : expiry))
                }
            }
        }
        return out
    }

    /// An empty batch.
    public init() {}

    /// Whether the batch has no operations.
    public var isEmpty: Bool { count == 0 }

    /// Adds an operation.
    public mutating func append(_ operation: Operation) {
        if case .put(let table, let key, let value, let expiresAt) = operation {
            put(value, forKey: key, expiresAt: expiresAt, in: table)
            return
        }
        steps.append(.single(operation))
        count += 1
    }

    /// Adds a collection creation.
    public mutating func createCollection(_ definition: CollectionDefinition) {
        append(.createCollection(definition))
    }

    /// Adds a collection drop.
    public mutating func dropCollection(_ name: String) { append(.dropCollection(name: name)) }

    /// Adds an upsert of `vector` under `key`, with optional attributes (typically JSON).
    public mutating func upsert(_ key: Key, vector: [Float], attributes: [UInt8]? = nil, in collection: String) {
        append(.upsert(collection: collection, key: key, vector: vector, attributes: attributes))
    }

    /// Adds an upsert of `vector` under the UTF-8 bytes of `key`.
    public mutating func upsert(_ key: String, vector: [Float], attributes: [UInt8]? = nil, in collection: String) {
        upsert(Key(key), vector: vector, attributes: attributes, in: collection)
    }

    /// Adds a delete of `key`.
    public mutating func delete(_ key: Key, in collection: String) {
        append(.delete(collection: collection, key: key))
    }

    /// Adds a delete of the UTF-8 bytes of `key`.
    public mutating func delete(_ key: String, in collection: String) { delete(Key(key), in: collection) }

    /// Adds a replacement of the attributes of `key`'s vector.
    public mutating func setAttributes(_ attributes: [UInt8]?, of key: Key, in collection: String) {
        append(.setAttributes(collection: collection, key: key, attributes: attributes))
    }

    /// Adds a table creation.
    public mutating func createTable(_ definition: TableDefinition) { append(.createTable(definition)) }

    /// Adds a table drop.
    public mutating func dropTable(_ name: String) { append(.dropTable(name: name)) }

    /// Adds a record write.
    public mutating func put(_ value: [UInt8], forKey key: Key, expiresAt: Int64? = nil, in table: String) {
        count += 1
        // 0 stands for "never"; a given time that is not positive stays invalid (negative).
        let expiry = expiresAt.map { min($0, $0 > 0 ? $0 : -1) } ?? 0
        if case .puts(let index) = steps.last, runs[index].table == table {
            runs[index].append(key, value, expiresAt: expiry)
        } else {
            runs.append(RecordPuts(table: table))
            runs[runs.count - 1].append(key, value, expiresAt: expiry)
            steps.append(.puts(runs.count - 1))
        }
    }

    /// Adds a record removal.
    public mutating func remove(_ key: Key, in table: String) { append(.remove(table: table, key: key)) }

    /// Whether the batch changes the set of collections or tables (such batches run alone).
    var definesSchema: Bool {
        steps.contains {
            switch $0 {
            case .single(.createCollection), .single(.dropCollection), .single(.createTable), .single(.dropTable): true
            default: false
            }
        }
    }

    // MARK: Encoding (the WAL record payload)

    /// 1: collections only; 2 adds attribute updates and record tables. Version 1 records are
    /// still read.
    static let formatVersion: UInt8 = 2

    /// The batch as a WAL record payload: version, count, then tagged operations.
    var encoded: [UInt8] {
        var writer = BinaryWriter(capacity: 64 + count * 32)
        writer.write(Self.formatVersion)
        writer.write(UInt32(count))
        for step in steps {
            guard case .single(let operation) = step else {
                guard case .puts(let index) = step else { continue }
                let run = runs[index]
                for i in run.keys.indices {
                    writer.write(UInt8(8))
                    writer.write(run.table)
                    writer.writeBytes(run.keys[i].bytes)
                    writer.writeBytes(run.values[i])
                    writer.write(run.expiries[i])
                }
                continue
            }
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
                writer.writeBytes(key.bytes)
                writer.write(vector)
                writer.write(attributes != nil)
                if let attributes { writer.writeBytes(attributes) }
            case .delete(let collection, let key):
                writer.write(UInt8(4))
                writer.write(collection)
                writer.writeBytes(key.bytes)
            case .setAttributes(let collection, let key, let attributes):
                writer.write(UInt8(5))
                writer.write(collection)
                writer.writeBytes(key.bytes)
                writer.write(attributes != nil)
                if let attributes { writer.writeBytes(attributes) }
            case .createTable(let definition):
                writer.write(UInt8(6))
                definition.encode(into: &writer)
            case .dropTable(let name):
                writer.write(UInt8(7))
                writer.write(name)
            case .put:
                preconditionFailure(Self.putsAreRuns)
            case .remove(let table, let key):
                writer.write(UInt8(9))
                writer.write(table)
                writer.writeBytes(key.bytes)
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
        guard version >= 1, version <= Self.formatVersion else {
            throw EngineError(.unsupported, "write batch format \(version) is newer than this build reads (\(Self.formatVersion))")
        }
        let count = Int(try reader.read(UInt32.self))
        guard count <= reader.remaining else { throw EngineError(.corruption, "write batch: \(count) operations in \(bytes.count) bytes") }
        steps.reserveCapacity(min(count, 1024))
        for _ in 0..<count {
            let tag = try reader.read(UInt8.self)
            guard version >= 2 || tag <= 4 else { throw EngineError(.corruption, "write batch: operation tag \(tag) in a version 1 batch") }
            switch tag {
            case 1: append(.createCollection(try CollectionDefinition.decode(from: &reader)))
            case 2: append(.dropCollection(name: try reader.readString()))
            case 3:
                let collection = try reader.readString()
                let key = Key(try reader.readBytes())
                let vector = try reader.readFloats()
                let attributes = try reader.readBool() ? try reader.readBytes() : nil
                append(.upsert(collection: collection, key: key, vector: vector, attributes: attributes))
            case 4:
                let collection = try reader.readString()
                append(.delete(collection: collection, key: Key(try reader.readBytes())))
            case 5:
                let collection = try reader.readString()
                let key = Key(try reader.readBytes())
                let attributes = try reader.readBool() ? try reader.readBytes() : nil
                append(.setAttributes(collection: collection, key: key, attributes: attributes))
            case 6: append(.createTable(try TableDefinition.decode(from: &reader)))
            case 7: append(.dropTable(name: try reader.readString()))
            case 8:
                let table = try reader.readString()
                let key = Key(try reader.readBytes())
                let value = try reader.readBytes()
                let expiresAt = try reader.read(Int64.self)
                append(.put(table: table, key: key, value: value, expiresAt: expiresAt == 0 ? nil : expiresAt))
            case 9:
                let table = try reader.readString()
                append(.remove(table: table, key: Key(try reader.readBytes())))
            case let tag:
                throw EngineError(.corruption, "write batch: unknown operation tag \(tag)")
            }
        }
        try reader.finish()
    }
}
