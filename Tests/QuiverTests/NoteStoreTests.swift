import SystemPackage
import Quiver
import QuiverTestSupport
import Testing

@Suite struct NoteStoreTests {
    @Test func notesListNewestFirstPageByPageAndCanBeEditedAndDeleted() throws {
        let clock = ManualWallClock()
        try withDatabase(testConfiguration(clock)) { database, _ in
            let rick = EntityRef(type: "character", id: "rick")
            var ids: [String] = []
            for i in 0..<25 {
                ids.append(try database.notes.add(to: rick, body: "note \(i)", tags: i % 2 == 0 ? ["even"] : []).id)
                if i % 3 == 0 { clock.advance(milliseconds: 1) }  // some notes share a millisecond
            }
            _ = try database.notes.add(to: EntityRef(type: "character", id: "morty"), body: "other")
            var listed: [String] = []
            var cursor: String?
            repeat {
                let page = try database.notes.list(for: rick, after: cursor, limit: 4)
                listed += page.elements.map(\.body)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(listed.count == 25)
            #expect(Set(listed) == Set((0..<25).map { "note \($0)" }))
            let times = try database.notes.list(for: rick, limit: 100).elements.map(\.created)
            #expect(times == times.sorted(by: >), "newest first")
            try database.notes.edit(ids[3], body: "edited", tags: ["x"])
            let edited = try #require(try database.notes.get(ids[3]))
            #expect(edited.body == "edited" && edited.tags == ["x"] && edited.entity == rick)
            try database.notes.delete(ids[3])
            #expect(try database.notes.get(ids[3]) == nil)
            #expect(try database.notes.list(for: rick, limit: 100).elements.count == 24)
            #expect(throws: QuiverError.self) { try database.notes.edit("missing", body: "x") }
            #expect(throws: QuiverError.self) { _ = try database.notes.list(for: rick, after: "zz", limit: 4) }
        }
    }

    @Test func embeddedNotesAreSearchableWithTagFilters() throws {
        try withDatabase { database, _ in
            _ = try database.createCollection("notes", options: CollectionOptions(dimension: 2, metric: .cosine))
            let rick = EntityRef(type: "character", id: "rick")
            let a = try database.notes.add(to: rick, body: "spoiler", tags: ["spoiler"], embedding: EntityEmbedding(collection: "notes", vector: [1, 0]))
            _ = try database.notes.add(to: rick, body: "plain", embedding: EntityEmbedding(collection: "notes", vector: [0.9, 0.1]))
            #expect(try database.notes.search([1, 0], k: 2, in: "notes").map(\.note.body) == ["spoiler", "plain"])
            #expect(try database.notes.search([1, 0], k: 2, filter: #""spoiler" in .tags"#, in: "notes").map(\.note.id) == [a.id])
            try database.notes.edit(a.id, tags: [])
            #expect(try database.notes.search([1, 0], k: 2, filter: #""spoiler" in .tags"#, in: "notes").isEmpty)
        }
    }

    /// Editing a note's body can replace its embedding (in its collection or another one), sets
    /// its updated time and keeps its created time; a bad embedding changes nothing.
    @Test func editsReplaceTheEmbeddingAndSetTheUpdatedTime() throws {
        let clock = ManualWallClock()
        try withDatabase(testConfiguration(clock)) { database, _ in
            let notes = try database.createCollection("notes", options: CollectionOptions(dimension: 2, metric: .l2))
            let other = try database.createCollection("other", options: CollectionOptions(dimension: 2, metric: .l2))
            let rick = EntityRef(type: "character", id: "rick")
            let note = try database.notes.add(to: rick, body: "pickle", tags: ["a"], embedding: EntityEmbedding(collection: "notes", vector: [1, 0]))
            let decoy = try database.notes.add(to: rick, body: "decoy", embedding: EntityEmbedding(collection: "notes", vector: [0.5, 0.5]))
            clock.advance(milliseconds: 1_000)
            try database.notes.edit(note.id, body: "portal gun", embedding: EntityEmbedding(collection: "notes", vector: [0, 1]))
            let edited = try #require(try database.notes.get(note.id))
            #expect(edited.body == "portal gun" && edited.tags == ["a"] && edited.embeddingCollection == "notes")
            #expect(edited.created == note.created && edited.updated == note.created + 1_000)
            #expect(try notes.get(note.embeddingKey)?.vector == [0, 1], "the vector was replaced")
            #expect(try notes.vectorCount() == 2, "replaced, not added")
            #expect(try database.notes.search([0, 1], k: 1, in: "notes").map(\.note.id) == [note.id])
            #expect(try database.notes.search([1, 0], k: 1, in: "notes").map(\.note.id) == [decoy.id])

            // Into another collection: the old vector goes, the new one carries the tags.
            clock.advance(milliseconds: 1_000)
            try database.notes.edit(note.id, tags: ["b"], embedding: EntityEmbedding(collection: "other", vector: [1, 1]))
            #expect(try notes.get(note.embeddingKey) == nil && other.get(note.embeddingKey)?.vector == [1, 1])
            #expect(try database.notes.search([1, 1], k: 1, filter: #""b" in .tags"#, in: "other").map(\.note.id) == [note.id])
            #expect(try database.notes.get(note.id)?.embeddingCollection == "other")
            #expect(try database.notes.get(note.id)?.updated == note.created + 2_000)

            // A wrong dimension changes nothing, the note's text and time included.
            clock.advance(milliseconds: 1_000)
            let wrong = #expect(throws: QuiverError.self) {
                try database.notes.edit(note.id, body: "lost", embedding: EntityEmbedding(collection: "notes", vector: [1, 2, 3]))
            }
            #expect(wrong?.code == .invalidArgument)
            let unchanged = try #require(try database.notes.get(note.id))
            #expect(unchanged.body == "portal gun" && unchanged.updated == note.created + 2_000 && unchanged.embeddingCollection == "other")
            #expect(try other.get(note.embeddingKey)?.vector == [1, 1])

            // Deleting the note removes the vector where it now is.
            try database.notes.delete(note.id)
            #expect(try other.vectorCount() == 0 && notes.vectorCount() == 1)
        }
    }

    /// `ef` reaches the graph search: a bad one is refused, a good one finds the note.
    @Test func noteSearchTakesEf() throws {
        try withDatabase { database, _ in
            _ = try database.createCollection("notes", options: CollectionOptions(dimension: 2, metric: .l2))
            let rick = EntityRef(type: "character", id: "rick")
            let ids = try database.write { batch in
                (0..<50).map { batch.addNote(to: rick, body: "n\($0)", embedding: EntityEmbedding(collection: "notes", vector: [Float($0), 0])) }
            }
            let refused = #expect(throws: QuiverError.self) { try database.notes.search([3, 0], k: 1, ef: 0, in: "notes") }
            #expect(refused?.code == .invalidArgument && refused?.message == "ef must be at least 1, got 0")
            #expect(try database.notes.search([3, 0], k: 1, ef: 200, in: "notes").map(\.note.id) == [ids[3]])
        }
    }
}
