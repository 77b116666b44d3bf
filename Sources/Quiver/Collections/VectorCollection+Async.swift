public import QuiverEngine

// The asynchronous forms of the collection's calls. Writes commit on a thread of the database's
// own (see ``Database/write(_:)-(_)``), never blocking Swift's cooperative pool on the log;
// reads run in the calling task. Each checks for cancellation before it starts: a cancelled
// write throws `CancellationError` and writes nothing.
extension VectorCollection {
    // MARK: Writing

    /// The asynchronous form of ``upsert(_:vector:attributes:)-(Key,_,_)``.
    public func upsert(_ key: Key, vector: [Float], attributes: JSONValue? = nil) async throws {
        try await database.write { $0.upsert(key, vector: vector, attributes: attributes, in: name) }
    }

    /// The asynchronous form of ``upsert(_:vector:attributes:)-(String,_,_)``.
    public func upsert(_ key: String, vector: [Float], attributes: JSONValue? = nil) async throws {
        try await upsert(Key(key), vector: vector, attributes: attributes)
    }

    /// The asynchronous form of ``upsert(_:vector:rawAttributes:)``.
    public func upsert(_ key: Key, vector: [Float], rawAttributes: [UInt8]?) async throws {
        try await database.write { $0.upsert(key, vector: vector, rawAttributes: rawAttributes, in: name) }
    }

    /// The asynchronous form of ``delete(_:)``.
    public func delete(_ key: Key) async throws {
        try await database.write { $0.delete(key, in: name) }
    }

    /// The asynchronous form of ``setAttributes(_:of:)``.
    public func setAttributes(_ attributes: JSONValue?, of key: Key) async throws {
        try await database.write { $0.setAttributes(attributes, of: key, in: name) }
    }

    // MARK: Reading

    /// The asynchronous form of ``get(_:)-(Key)``.
    public func get(_ key: Key) async throws -> VectorRecord? {
        try Task.checkCancellation()
        return try database.snapshot().vector(key, in: name)
    }

    /// The asynchronous form of ``get(_:)-(String)``.
    public func get(_ key: String) async throws -> VectorRecord? { try await get(Key(key)) }

    /// The asynchronous form of ``search(_:k:ef:filter:includeAttributes:)``.
    public func search(
        _ query: [Float], k: Int = 10, ef: Int? = nil, filter: String? = nil, includeAttributes: Bool = false
    ) async throws -> [VectorMatch] {
        try Task.checkCancellation()
        return try database.snapshot().search(query, k: k, ef: ef, filter: filter, includeAttributes: includeAttributes, in: name)
    }

    /// The asynchronous form of ``search(similarTo:k:ef:filter:includeAttributes:)``.
    public func search(
        similarTo key: Key, k: Int = 10, ef: Int? = nil, filter: String? = nil, includeAttributes: Bool = false
    ) async throws -> [VectorMatch] {
        try Task.checkCancellation()
        return try database.snapshot().search(similarTo: key, k: k, ef: ef, filter: filter, includeAttributes: includeAttributes, in: name)
    }
}
