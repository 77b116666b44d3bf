internal import QuiverEngine

/// The notes of a ``Database`` (``Database/notes``): text attached to entities, listed newest
/// first, optionally embedded for semantic search.
public struct NoteStore: Sendable {
    let database: Database

    /// Attaches a note to `entity`; with `embedding`, its vector is stored in that collection
    /// (key ``Note/embeddingKey``, attributes: the entity's type and id and the tags).
    ///
    /// - Returns: The note.
    @discardableResult
    public func add(to entity: EntityRef, body: String, tags: [String] = [], embedding: EntityEmbedding? = nil) throws(QuiverError) -> Note {
        var id = ""
        try database.commitOne { id = $0.addNote(to: entity, body: body, tags: tags, embedding: embedding) }
        guard let note = try database.snapshot().note(id) else { throw QuiverError(.notFound, "note \(id) vanished") }
        return note
    }

    /// Changes a note's body, tags and/or embedding (what is `nil` stays), and sets its
    /// ``Note/updated`` time.
    ///
    /// - Parameter embedding: a new embedding (of the new body, typically), replacing the note's
    ///   vector; see ``Batch/editNote(_:body:tags:embedding:)``.
    /// - Throws: ``QuiverError`` `notFound`, or `invalidArgument` for an embedding that does not
    ///   fit its collection.
    public func edit(_ id: String, body: String? = nil, tags: [String]? = nil, embedding: EntityEmbedding? = nil) throws(QuiverError) {
        try database.commitOne { $0.editNote(id, body: body, tags: tags, embedding: embedding) }
    }

    /// Deletes a note (nothing when absent).
    public func delete(_ id: String) throws(QuiverError) { try database.commitOne { $0.deleteNote(id) } }

    /// The note with `id`, or `nil`.
    public func get(_ id: String) throws(QuiverError) -> Note? { try database.snapshot().note(id) }

    /// Notes on `entity`, newest first, a page at a time.
    public func list(for entity: EntityRef, after cursor: String? = nil, limit: Int = 50) throws(QuiverError) -> Page<Note> {
        try database.snapshot().notes(for: entity, after: cursor, limit: limit)
    }

    /// The notes whose embeddings in `collection` are nearest to `query`, among those passing
    /// `filter` (over `type`, `id`, `note` and `tags`).
    ///
    /// - Parameter ef: candidates explored (accuracy against speed); default `max(k, 64)`.
    public func search(
        _ query: [Float], k: Int = 10, ef: Int? = nil, filter: String? = nil, in collection: String
    ) throws(QuiverError) -> [(note: Note, distance: Float)] {
        try nearest(query, k: k, ef: ef, filter: filter, in: collection)
    }

    /// What ``search(_:k:ef:filter:in:)`` returns, under a name of its own for both forms.
    func nearest(
        _ query: [Float], k: Int, ef: Int?, filter: String?, in collection: String
    ) throws(QuiverError) -> [(note: Note, distance: Float)] {
        let snapshot = database.snapshot()
        var out: [(Note, Float)] = []
        for match in try snapshot.search(query, k: k, ef: ef, filter: filter, in: collection) {
            guard let components = try? SortableKeyDecoder.decode(match.key.bytes), components.count == 1,
                case .string(let id) = components[0], let note = try snapshot.note(id)
            else { continue }
            out.append((note, match.distance))
        }
        return out
    }
}
