internal import QuiverEngine

/// The entities of a ``Database`` (``Database/entities``): records of the application's own,
/// addressed by type and id, with JSON attributes, declared attribute indexes, and vectors they
/// own. Writes here commit one-operation batches; use ``Batch/upsertEntity(_:attributes:embeddings:)``
/// inside ``Database/write(_:)-(_)`` to combine them with other changes.
public struct EntityStore: Sendable {
    let database: Database

    /// Declares (or redeclares) an entity type and the attributes it indexes; existing entities
    /// of the type are indexed anew.
    ///
    /// - Complexity: O(entities of the type) when the indexed attributes change.
    public func define(_ definition: EntityTypeDefinition) throws(QuiverError) {
        try database.defineEntityType(definition)
    }

    /// The declared entity types, by name.
    public var types: [EntityTypeDefinition] {
        database.entityTypes.withLock { $0.values.sorted { $0.name < $1.name } }
    }

    /// Inserts or replaces an entity and, when given, the vectors it owns; one atomic write.
    public func upsert(_ ref: EntityRef, attributes: JSONValue, embeddings: [EntityEmbedding] = []) throws(QuiverError) {
        try database.commitOne { $0.upsertEntity(ref, attributes: attributes, embeddings: embeddings) }
    }

    /// Inserts or replaces an entity from a `Codable` value.
    ///
    /// - Throws: `EncodingError` when the value does not encode as a JSON object, or a
    ///   ``QuiverError``.
    public func upsert<T: Encodable>(_ ref: EntityRef, value: T, embeddings: [EntityEmbedding] = []) throws {
        let attributes = try JSONValueEncoder().encode(value)
        try upsert(ref, attributes: attributes, embeddings: embeddings)
    }

    /// Deletes an entity with its index entries, the vectors it owns and its notes.
    public func delete(_ ref: EntityRef) throws(QuiverError) {
        try database.commitOne { $0.deleteEntity(ref) }
    }

    /// The entity `ref`, or `nil`.
    public func get(_ ref: EntityRef) throws(QuiverError) -> Entity? { try database.snapshot().entity(ref) }

    /// The entity `ref` decoded as `T`, or `nil`.
    public func get<T: Decodable>(_ ref: EntityRef, as type: T.Type) throws -> T? { try get(ref)?.decode(T.self) }

    /// A page of entities of `type` passing `filter`; see
    /// ``DatabaseSnapshot/entities(ofType:filter:after:limit:)``.
    public func list(ofType type: String, filter: String? = nil, after cursor: String? = nil, limit: Int = 100) throws(QuiverError) -> Page<Entity> {
        try database.snapshot().entities(ofType: type, filter: filter, after: cursor, limit: limit)
    }

    /// Facet counts; see ``DatabaseSnapshot/entityCounts(ofType:by:filter:)``.
    public func counts(ofType type: String, by attribute: String, filter: String? = nil) throws(QuiverError) -> [FacetCount] {
        try database.snapshot().entityCounts(ofType: type, by: attribute, filter: filter)
    }

    /// The entities whose vectors in `collection` are nearest to `query`.
    public func search(
        _ query: [Float], k: Int = 10, ef: Int? = nil, filter: String? = nil, in collection: String
    ) throws(QuiverError) -> [(entity: Entity, distance: Float)] {
        try database.snapshot().searchEntities(query, k: k, ef: ef, filter: filter, in: collection)
    }
}

extension Database {
    func defineEntityType(_ definition: EntityTypeDefinition) throws(QuiverError) {
        try Self.validate(EntityRef(type: definition.name, id: ""))
        let attributes = Array(Set(definition.indexedAttributes)).sorted()
        guard attributes.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 255 }) else {
            throw QuiverError(.invalidArgument, "indexed attribute names are 1...255 bytes")
        }
        let normalized = EntityTypeDefinition(name: definition.name, indexedAttributes: attributes)
        let previous = entityTypes.withLock { $0[definition.name] }
        if previous == normalized { return }
        // Re-index under every stripe (writers of the type wait), then switch the definition.
        try stripes.withLocks(Array(0..<256)) { () throws(QuiverError) in
            let snapshot = engine.snapshot()
            var batch = WriteBatch()
            let type = definition.name
            let prefix = MetadataKeys.entityType(type)
            do {
                for attribute in previous?.indexedAttributes ?? [] {
                    let start = MetadataKeys.indexPrefix(type: type, attribute: attribute)
                    try snapshot.scan(MetadataKeys.entityIndex, from: Key(start), below: Key(SortableKeyEncoder.successor(ofPrefix: start))) {
                        batch.remove($0.key, in: MetadataKeys.entityIndex)
                        return true
                    }
                }
                try snapshot.scan(MetadataKeys.entities, from: Key(prefix), below: Key(SortableKeyEncoder.successor(ofPrefix: prefix))) {
                    record in
                    guard let ref = MetadataKeys.entityRef(record.key.bytes) else { return true }
                    let value = try Self.parseAttributes(try EntityRecord(decoding: record.value).attributes, of: ref)
                    for attribute in attributes {
                        guard let field = value[attribute] else { continue }
                        for (component, origin) in MetadataKeys.indexValues(field) {
                            batch.put([origin.rawValue], forKey: Key(MetadataKeys.indexEntry(ref, attribute: attribute, value: component)), in: MetadataKeys.entityIndex)
                        }
                    }
                    return true
                }
            } catch { throw QuiverError.wrap(error) }
            batch.put(
                normalized.schema.serialized(), forKey: Key(MetadataKeys.schemaEntry(kind: SchemaKind.entityType, name: type)),
                in: MetadataKeys.schema)
            let types = entityTypes
            do {
                try engine.write(batch) { _ in types.withLock { $0[type] = normalized } }
            } catch { throw QuiverError.wrap(error) }
        }
    }
}
