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
}
