// The asynchronous forms of the entity store's calls. Writes commit on a thread of the
// database's own (see ``Database/write(_:)-(_)``); reads run in the calling task. Each checks for
// cancellation before it starts: a cancelled write throws `CancellationError` and writes nothing.
extension EntityStore {
    // MARK: Writing

    /// The asynchronous form of ``upsert(_:attributes:embeddings:)``: the commit waits for the log
    /// on the database's own threads.
    public func upsert(_ ref: EntityRef, attributes: JSONValue, embeddings: [EntityEmbedding] = []) async throws {
        try await database.write { $0.upsertEntity(ref, attributes: attributes, embeddings: embeddings) }
    }

    /// The asynchronous form of ``upsert(_:value:embeddings:)``.
    ///
    /// - Throws: `EncodingError` when the value does not encode as a JSON object, or a
    ///   ``QuiverError``.
    public func upsert<T: Encodable>(_ ref: EntityRef, value: T, embeddings: [EntityEmbedding] = []) async throws {
        let attributes = try JSONValueEncoder().encode(value)
        try await upsert(ref, attributes: attributes, embeddings: embeddings)
    }

    /// The asynchronous form of ``delete(_:)``.
    public func delete(_ ref: EntityRef) async throws {
        try await database.write { $0.deleteEntity(ref) }
    }

    // MARK: Reading

    /// The asynchronous form of ``get(_:)``.
    public func get(_ ref: EntityRef) async throws -> Entity? {
        try Task.checkCancellation()
        return try database.snapshot().entity(ref)
    }

    /// The asynchronous form of ``get(_:as:)``.
    public func get<T: Decodable>(_ ref: EntityRef, as type: T.Type) async throws -> T? {
        try await get(ref)?.decode(T.self)
    }

    /// The asynchronous form of ``list(ofType:filter:after:limit:)``.
    public func list(ofType type: String, filter: String? = nil, after cursor: String? = nil, limit: Int = 100) async throws -> Page<Entity> {
        try Task.checkCancellation()
        return try database.snapshot().entities(ofType: type, filter: filter, after: cursor, limit: limit)
    }

    /// The asynchronous form of ``counts(ofType:by:filter:)``.
    public func counts(ofType type: String, by attribute: String, filter: String? = nil) async throws -> [FacetCount] {
        try Task.checkCancellation()
        return try database.snapshot().entityCounts(ofType: type, by: attribute, filter: filter)
    }

    /// The asynchronous form of ``search(_:k:ef:filter:in:)``.
    public func search(
        _ query: [Float], k: Int = 10, ef: Int? = nil, filter: String? = nil, in collection: String
    ) async throws -> [(entity: Entity, distance: Float)] {
        try Task.checkCancellation()
        return try database.snapshot().searchEntities(query, k: k, ef: ef, filter: filter, in: collection)
    }
}
