// The asynchronous forms of the note store's calls. Writes commit on a thread of the database's
// own (see ``Database/write(_:)-(_)``); reads run in the calling task. Each checks for
// cancellation before it starts: a cancelled write throws `CancellationError` and writes nothing.
extension NoteStore {
    // MARK: Writing

    /// The asynchronous form of ``add(to:body:tags:embedding:)``.
    @discardableResult
    public func add(to entity: EntityRef, body: String, tags: [String] = [], embedding: EntityEmbedding? = nil) async throws -> Note {
        let id = try await database.write { $0.addNote(to: entity, body: body, tags: tags, embedding: embedding) }
        guard let note = try database.snapshot().note(id) else { throw QuiverError(.notFound, "note \(id) vanished") }
        return note
    }

    /// The asynchronous form of ``edit(_:body:tags:embedding:)``.
    public func edit(_ id: String, body: String? = nil, tags: [String]? = nil, embedding: EntityEmbedding? = nil) async throws {
        try await database.write { $0.editNote(id, body: body, tags: tags, embedding: embedding) }
    }

    /// The asynchronous form of ``delete(_:)``.
    public func delete(_ id: String) async throws {
        try await database.write { $0.deleteNote(id) }
    }

    // MARK: Reading

    /// The asynchronous form of ``get(_:)``.
    public func get(_ id: String) async throws -> Note? {
        try Task.checkCancellation()
        return try database.snapshot().note(id)
    }

    /// The asynchronous form of ``list(for:after:limit:)``.
    public func list(for entity: EntityRef, after cursor: String? = nil, limit: Int = 50) async throws -> Page<Note> {
        try Task.checkCancellation()
        return try database.snapshot().notes(for: entity, after: cursor, limit: limit)
    }

    /// The asynchronous form of ``search(_:k:ef:filter:in:)``.
    public func search(
        _ query: [Float], k: Int = 10, ef: Int? = nil, filter: String? = nil, in collection: String
    ) async throws -> [(note: Note, distance: Float)] {
        try Task.checkCancellation()
        return try nearest(query, k: k, ef: ef, filter: filter, in: collection)
    }
}
