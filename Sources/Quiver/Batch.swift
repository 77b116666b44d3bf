public import QuiverEngine

/// Changes that commit together: vectors, entities, notes and cache entries, all or none, in one
/// log record. Readers see all of a batch or none of it.
///
/// A batch is lent to the closure of ``Database/write(_:)-(_)``; it records what to do, and the
/// database does it when the closure returns. Operations on one entity, note or cache key apply
/// in the order they were added.
///
/// A batch is a value: a list of intended changes that does nothing until it is committed, so it
/// is `Sendable` (the asynchronous writes hand it to a thread of the database's own).
public struct Batch: Sendable {
    enum Intent: Sendable {
        case upsertVector(collection: String, key: Key, vector: [Float], attributes: [UInt8]?)
        case deleteVector(collection: String, key: Key)
        case setVectorAttributes(collection: String, key: Key, attributes: [UInt8]?)
        case upsertEntity(EntityRef, attributes: [UInt8], embeddings: [EntityEmbedding])
        case deleteEntity(EntityRef)
        case addNote(Note, embedding: EntityEmbedding?)
        case editNote(id: String, body: String?, tags: [String]?, embedding: EntityEmbedding?)
        case deleteNote(id: String)
        case cacheSet(cache: String, key: Key, value: [UInt8], ttl: Duration?)
        case cacheSetUntil(cache: String, key: Key, value: [UInt8], deadline: Int64)
        /// Several sets with the table's default TTL, in order (one intent for a burst of them).
        case cacheSetAll(cache: String, entries: [(key: Key, value: [UInt8])])
        case cacheDelete(cache: String, key: Key)
    }

    private(set) var intents: [Intent] = []
    let clock: @Sendable () -> Int64
    let noteIDs: NoteIDGenerator

    init(clock: @escaping @Sendable () -> Int64, noteIDs: NoteIDGenerator) {
        self.clock = clock
        self.noteIDs = noteIDs
    }

    /// Whether nothing was added.
    public var isEmpty: Bool { intents.isEmpty }

    // MARK: Vectors

    /// Inserts or replaces the vector under `key` in `collection`, with optional attributes.
    public mutating func upsert(_ key: Key, vector: [Float], attributes: JSONValue? = nil, in collection: String) {
        intents.append(.upsertVector(collection: collection, key: key, vector: vector, attributes: attributes?.serialized()))
    }

    /// Inserts or replaces the vector under the UTF-8 bytes of `key`.
    public mutating func upsert(_ key: String, vector: [Float], attributes: JSONValue? = nil, in collection: String) {
        upsert(Key(key), vector: vector, attributes: attributes, in: collection)
    }

    /// Inserts or replaces the vector under `key` with attribute bytes stored verbatim (not
    /// checked to be JSON; filters read them as JSON).
    public mutating func upsert(_ key: Key, vector: [Float], rawAttributes: [UInt8]?, in collection: String) {
        intents.append(.upsertVector(collection: collection, key: key, vector: vector, attributes: rawAttributes))
    }

    /// Deletes the vector under `key` (nothing when absent).
    public mutating func delete(_ key: Key, in collection: String) {
        intents.append(.deleteVector(collection: collection, key: key))
    }

    /// Replaces the attributes of the vector under `key` (`nil` removes them; nothing when the
    /// key is absent).
    public mutating func setAttributes(_ attributes: JSONValue?, of key: Key, in collection: String) {
        intents.append(.setVectorAttributes(collection: collection, key: key, attributes: attributes?.serialized()))
    }

    /// Replaces the attribute bytes of the vector under `key`, stored verbatim.
    public mutating func setRawAttributes(_ attributes: [UInt8]?, of key: Key, in collection: String) {
        intents.append(.setVectorAttributes(collection: collection, key: key, attributes: attributes))
    }

    // MARK: Entities

    /// Inserts or replaces an entity's attributes (a JSON object) and, when given, the vectors it
    /// owns in collections. Vectors it owned before keep their vectors and take the new attributes.
    public mutating func upsertEntity(_ ref: EntityRef, attributes: JSONValue, embeddings: [EntityEmbedding] = []) {
        intents.append(.upsertEntity(ref, attributes: attributes.serialized(), embeddings: embeddings))
    }

    /// Inserts or replaces an entity from a `Codable` value.
    ///
    /// - Throws: `EncodingError` when the value does not encode as a JSON object.
    public mutating func upsertEntity<T: Encodable>(
        _ ref: EntityRef, value: T, embeddings: [EntityEmbedding] = []
    ) throws {
        let attributes = try JSONValueEncoder().encode(value)
        upsertEntity(ref, attributes: attributes, embeddings: embeddings)
    }

    /// Deletes an entity with its index entries, the vectors it owns and its notes.
    public mutating func deleteEntity(_ ref: EntityRef) { intents.append(.deleteEntity(ref)) }

    // MARK: Notes

    /// Attaches a note to an entity, optionally with an embedding of it for semantic search.
    ///
    /// - Returns: The new note's id.
    @discardableResult
    public mutating func addNote(to entity: EntityRef, body: String, tags: [String] = [], embedding: EntityEmbedding? = nil) -> String {
        let now = clock()
        let note = Note(id: noteIDs.next(now: now), entity: entity, body: body, tags: tags, created: now, updated: now)
        intents.append(.addNote(note, embedding: embedding))
        return note.id
    }

    /// Changes a note's body, tags and/or embedding (what is `nil` stays).
    ///
    /// - Parameter embedding: a new embedding of the note (of its new body, typically): it
    ///   replaces the note's vector, in the same collection or in another one (the old vector is
    ///   then deleted).
    public mutating func editNote(_ id: String, body: String? = nil, tags: [String]? = nil, embedding: EntityEmbedding? = nil) {
        intents.append(.editNote(id: id, body: body, tags: tags, embedding: embedding))
    }

    /// Deletes a note (and its embedding).
    public mutating func deleteNote(_ id: String) { intents.append(.deleteNote(id: id)) }

    // MARK: Caches

    /// Stores `value` under `key` in the cache table `cache`, with `ttl` (default: the table's).
    public mutating func set(_ value: [UInt8], forKey key: Key, ttl: Duration? = nil, inCache cache: String) {
        intents.append(.cacheSet(cache: cache, key: key, value: value, ttl: ttl))
    }

    /// Stores each value under its key in the cache table `cache`, in order, with the table's
    /// default TTL: the same as calling ``set(_:forKey:ttl:inCache:)`` for each, and cheaper for
    /// many (a server's burst of writes).
    public mutating func set(_ entries: [(key: Key, value: [UInt8])], inCache cache: String) {
        guard !entries.isEmpty else { return }
        intents.append(.cacheSetAll(cache: cache, entries: entries))
    }

    /// Stores `value` under `key` in the cache table `cache` until the wall-clock `deadline`
    /// (milliseconds since 1970; `Int64.max` for none).
    public mutating func setCached(_ value: [UInt8], forKey key: Key, deadline: Int64, inCache cache: String) {
        intents.append(.cacheSetUntil(cache: cache, key: key, value: value, deadline: deadline))
    }

    /// Removes `key` from the cache table `cache`.
    public mutating func removeCached(_ key: Key, inCache cache: String) {
        intents.append(.cacheDelete(cache: cache, key: key))
    }
}
