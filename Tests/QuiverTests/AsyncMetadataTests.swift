import Quiver
import QuiverTestSupport
import Synchronization
import Testing

/// The asynchronous forms (`…+Async.swift`) do what the synchronous ones do, and a cancelled
/// write writes nothing.
@Suite struct AsyncMetadataTests {
    @Test func collectionsHaveAsyncForms() async throws {
        let database = try Database.inMemory(configuration: testConfiguration())
        let docs = try await database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
        #expect(database.collectionNames == ["docs"])
        try await docs.upsert("a", vector: [1, 0], attributes: ["n": 1])
        try await docs.upsert(Key("b"), vector: [0, 1], attributes: ["n": 2])
        try await docs.upsert(Key("c"), vector: [0.9, 0.1], rawAttributes: Array(#"{"n":3}"#.utf8))
        #expect(try await docs.get("a")?.vector == [1, 0])
        #expect(try await docs.get(Key("c"))?.attributes?["n"] == 3)
        #expect(try await docs.search([1, 0], k: 2).map(\.key) == ["a", "c"])
        #expect(try await docs.search([1, 0], k: 3, filter: ".n >= 2").map(\.key) == ["c", "b"])
        #expect(try await docs.search(similarTo: "b", k: 1).map(\.key) == ["b"])
        #expect(try await docs.search(similarTo: "a", k: 3, filter: ".n == 2", includeAttributes: true).first?.attributes?["n"] == 2)
        await #expect(throws: QuiverError.self) { try await docs.search(similarTo: "missing") }
        try await docs.setAttributes(["n": 9], of: "a")
        #expect(try await docs.get("a")?.attributes?["n"] == 9)
        try await docs.delete("a")
        #expect(try await docs.get("a") == nil)
        #expect(try docs.vectorCount() == 2)
        await #expect(throws: QuiverError.self) { try await docs.upsert("d", vector: [1, 2, 3]) }
        try await database.dropCollection("docs")
        #expect(database.collectionNames.isEmpty)
        await #expect(throws: QuiverError.self) { try await database.dropCollection("docs") }
        try database.close()
    }

    @Test func entitiesHaveAsyncForms() async throws {
        struct Character: Codable, Equatable {
            var species: String
            var age: Int
        }
        let database = try Database.inMemory(configuration: testConfiguration())
        _ = try await database.createCollection("search", options: CollectionOptions(dimension: 2, metric: .l2))
        try database.entities.define(EntityTypeDefinition(name: "character", indexedAttributes: ["species"]))
        let rick = EntityRef(type: "character", id: "rick")
        let morty = EntityRef(type: "character", id: "morty")
        try await database.entities.upsert(rick, value: Character(species: "human", age: 70))
        try await database.entities.upsert(
            morty, attributes: ["species": "human", "age": 14], embeddings: [EntityEmbedding(collection: "search", vector: [0, 1])])
        try await database.entities.upsert(EntityRef(type: "character", id: "squanchy"), attributes: ["species": "cat", "age": 40])
        #expect(try await database.entities.get(rick, as: Character.self) == Character(species: "human", age: 70))
        #expect(try await database.entities.get(morty)?.attributes["age"] == 14)
        let first = try await database.entities.list(ofType: "character", filter: #".species == "human""#, limit: 1)
        let second = try await database.entities.list(ofType: "character", filter: #".species == "human""#, after: first.nextCursor, limit: 1)
        #expect(first.elements.map(\.id) + second.elements.map(\.id) == ["morty", "rick"])
        #expect(second.nextCursor == nil)
        let counts = try await database.entities.counts(ofType: "character", by: "species")
        #expect(counts == [FacetCount(value: "human", count: 2), FacetCount(value: "cat", count: 1)])
        #expect(try await database.entities.counts(ofType: "character", by: "species", filter: ".age < 20") == [FacetCount(value: "human", count: 1)])
        #expect(try await database.entities.search([0, 1], k: 1, in: "search").map(\.entity.ref) == [morty])
        #expect(try await database.entities.search([0, 1], k: 1, filter: ".age > 20", in: "search").isEmpty)
        try await database.entities.delete(morty)
        #expect(try await database.entities.get(morty) == nil)
        #expect(try database.collection("search").vectorCount() == 0)
        try database.close()
    }

    @Test func notesHaveAsyncForms() async throws {
        let clock = ManualWallClock()
        let database = try Database.inMemory(configuration: testConfiguration(clock))
        _ = try await database.createCollection("notes", options: CollectionOptions(dimension: 2, metric: .l2))
        let ref = EntityRef(type: "t", id: "1")
        try await database.entities.upsert(ref, attributes: ["a": 1])
        let note = try await database.notes.add(to: ref, body: "hello", embedding: EntityEmbedding(collection: "notes", vector: [1, 0]))
        clock.advance(milliseconds: 1)
        let other = try await database.notes.add(to: ref, body: "world", tags: ["x"])
        #expect(try await database.notes.get(note.id)?.body == "hello")
        #expect(try await database.notes.list(for: ref).elements.map(\.id) == [other.id, note.id])
        clock.advance(milliseconds: 5)
        try await database.notes.edit(note.id, body: "goodbye", tags: ["y"], embedding: EntityEmbedding(collection: "notes", vector: [0, 1]))
        let edited = try #require(try await database.notes.get(note.id))
        #expect(edited.body == "goodbye" && edited.tags == ["y"])
        #expect(edited.created == note.created && edited.updated == note.created + 6)
        #expect(try await database.notes.search([0, 1], k: 1, ef: 8, in: "notes").map(\.note.id) == [note.id])
        #expect(try await database.notes.search([0, 1], k: 1, filter: #""x" in .tags"#, in: "notes").isEmpty)
        try await database.notes.delete(note.id)
        #expect(try await database.notes.get(note.id) == nil)
        #expect(try await database.notes.list(for: ref).elements.map(\.id) == [other.id])
        await #expect(throws: QuiverError.self) { try await database.notes.edit(note.id, body: "gone") }
        try await database.entities.delete(ref)
        #expect(try await database.notes.get(other.id) == nil)
        try database.close()
    }

    @Test func cachesHaveAsyncForms() async throws {
        let database = try Database.inMemory(configuration: testConfiguration())
        let cache = try await database.createCache("c")
        #expect(database.cacheNames == ["c"])
        try await cache.set([1], forKey: "a")
        try await cache.set([2], forKey: Key("b"), ttl: .seconds(60))
        #expect(cache.get("a") == [1] && cache.get("b") == [2])
        try await cache.remove("a")
        #expect(cache.get("a") == nil)
        // Concurrent increments through the asynchronous update lose none.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    let previous = try await cache.update(["n"]) { entries throws(QuiverError) -> ([Cache.Change], Int) in
                        let value = Int(entries[0]?.value.first ?? 0)
                        return ([.set(value: [UInt8(value + 1)], deadline: .max)], value)
                    }
                    #expect(previous < 40)
                }
            }
            try await group.waitForAll()
        }
        #expect(cache.get("n") == [40])
        #expect(try await database.createCache("c").configuration == CacheConfiguration())
        await #expect(throws: QuiverError.self) { try await database.createCache("c", configuration: CacheConfiguration(maxEntries: 5)) }
        try await cache.removeAll()
        #expect(cache.get("n") == nil && cache.count == 0)
        try await database.dropCache("c")
        #expect(database.cacheNames.isEmpty)
        await #expect(throws: QuiverError.self) { try await database.dropCache("c") }
        try database.close()
    }

    /// A task cancelled before it calls an asynchronous write gets `CancellationError`, and
    /// nothing is written.
    @Test func cancelledWritesWriteNothing() async throws {
        let database = try Database.inMemory(configuration: testConfiguration())
        let docs = try await database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
        let cache = try await database.createCache("c")
        let ref = EntityRef(type: "t", id: "1")
        let note = try await database.notes.add(to: ref, body: "kept")
        let writes: [@Sendable () async throws -> Void] = [
            { try await docs.upsert("a", vector: [1, 0]) },
            { try await docs.delete("kept") },
            { try await database.entities.upsert(ref, attributes: ["a": 1]) },
            { _ = try await database.notes.add(to: ref, body: "new") },
            { try await database.notes.edit(note.id, body: "changed") },
            { try await database.notes.delete(note.id) },
            { try await cache.set([1], forKey: "a") },
            { try await cache.update(["a"]) { _ throws(QuiverError) -> ([Cache.Change], Void) in ([.set(value: [1], deadline: .max)], ()) } },
            { _ = try await database.createCollection("other", options: CollectionOptions(dimension: 2, metric: .l2)) },
            { _ = try await database.createCache("other") },
            { try await database.dropCollection("docs") },
            { try await database.dropCache("c") },
            { try await cache.removeAll() },
        ]
        try await docs.upsert("kept", vector: [0, 1])
        try await cache.set([7], forKey: "kept")
        for (index, write) in writes.enumerated() {
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                try await write()
            }
            await #expect(throws: CancellationError.self, "write \(index)") { try await task.value }
        }
        #expect(try await docs.get("a") == nil)
        #expect(try await docs.get("kept") != nil)
        #expect(try await database.entities.get(ref) == nil)
        #expect(try await database.notes.list(for: ref).elements.map(\.body) == ["kept"])
        #expect(cache.get("a") == nil && cache.get("kept") == [7])
        #expect(database.collectionNames == ["docs"] && database.cacheNames == ["c"])
        try database.close()
    }
}
