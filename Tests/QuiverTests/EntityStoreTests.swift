import SystemPackage
import Quiver
import QuiverTestSupport
import Synchronization
import Testing

private struct Person: Codable, Equatable {
    var name: String
    var species: String
    var status: String
    var age: Int
    var tags: [String]
}

@Suite struct EntityStoreTests {
    private let species = ["human", "alien", "robot", "cronenberg"]
    private let statuses = ["alive", "dead", "unknown"]

    private func populate(_ database: Database, count: Int, seed: UInt64 = 1) throws -> [String: Person] {
        var random = SeededGenerator(seed: seed)
        var model: [String: Person] = [:]
        try database.write { batch in
            for i in 0..<count {
                let character = Person(
                    name: "c\(i)", species: species[Int.random(in: 0..<species.count, using: &random)],
                    status: statuses[Int.random(in: 0..<statuses.count, using: &random)], age: Int.random(in: 0...120, using: &random),
                    tags: ["t\(i % 5)", "t\(i % 7)"])
                try batch.upsertEntity(EntityRef(type: "character", id: "id\(i)"), value: character)
                model["id\(i)"] = character
            }
        }
        return model
    }

    private func listAll(_ database: Database, filter: String?, limit: Int = 7) throws -> [String] {
        var ids: [String] = []
        var cursor: String?
        repeat {
            let page = try database.entities.list(ofType: "character", filter: filter, after: cursor, limit: limit)
            ids += page.elements.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        return ids
    }

    /// Index plans must return exactly what a full scan with the same filter returns.
    @Test(arguments: [
        #".species == "human""#, #".species in ["alien", "robot"] and .status == "dead""#, ".age >= 100", ".age < 30 and .age > 10",
        #".status == "alive" and .age > 60"#, #""t3" in .tags"#, ".tags == \"t1\"", ".age == 0", #".species == "human" or .age > 110"#,
    ])
    func indexedListingsMatchFullScans(filter: String) throws {
        try withDatabase { database, _ in
            let model = try populate(database, count: 400)
            let unindexed = try listAll(database, filter: filter)
            try database.entities.define(EntityTypeDefinition(name: "character", indexedAttributes: ["species", "status", "age", "tags"]))
            let indexed = try listAll(database, filter: filter)
            #expect(Set(indexed) == Set(unindexed), "\(filter)")
            #expect(indexed.count == unindexed.count, "no entity twice: \(filter)")
            let expression = try FilterExpression(filter)
            let expected = model.filter { expression.matches(attributes: try! JSONValueEncoder().encode($0.value).serialized()) }.keys
            #expect(Set(unindexed) == Set(expected), "\(filter)")
        }
    }

    @Test func entitiesRoundTripThroughCodableAndKeepTheirTimes() throws {
        let clock = ManualWallClock()
        try withDatabase(testConfiguration(clock)) { database, _ in
            let ref = EntityRef(type: "character", id: "rick")
            let rick = Person(name: "Rick", species: "human", status: "alive", age: 70, tags: ["genius"])
            try database.entities.upsert(ref, value: rick)
            let created = clock.now.load(ordering: .relaxed)
            clock.advance(milliseconds: 5_000)
            var older = rick
            older.age = 71
            try database.entities.upsert(ref, value: older)
            let stored = try #require(try database.entities.get(ref))
            #expect(stored.created == created && stored.updated == created + 5_000)
            #expect(try database.entities.get(ref, as: Person.self) == older)
        }
    }

    @Test func facetCountsAgreeWithTheModelIndexedOrNot() throws {
        try withDatabase { database, _ in
            let model = try populate(database, count: 300)
            var expected: [String: Int] = [:]
            for character in model.values { expected[character.species, default: 0] += 1 }
            func counts() throws -> [String: Int] {
                var out: [String: Int] = [:]
                for facet in try database.entities.counts(ofType: "character", by: "species") {
                    if case .string(let s) = facet.value { out[s] = facet.count }
                }
                return out
            }
            #expect(try counts() == expected)
            try database.entities.define(EntityTypeDefinition(name: "character", indexedAttributes: ["species"]))
            #expect(try counts() == expected)
            let dead = try database.entities.counts(ofType: "character", by: "species", filter: #".status == "dead""#)
            #expect(dead.reduce(0) { $0 + $1.count } == model.values.count { $0.status == "dead" })
        }
    }

    @Test func paginationIsStableUnderConcurrentWrites() throws {
        try withDatabase { database, _ in
            try database.entities.define(EntityTypeDefinition(name: "character", indexedAttributes: ["species"]))
            _ = try populate(database, count: 300)
            let stop = Atomic<Bool>(false)
            let writer = TestThread {
                var i = 1000
                while !stop.load(ordering: .relaxed) {
                    try! database.entities.upsert(EntityRef(type: "character", id: "new\(i)"), attributes: ["species": "human"])
                    i += 1
                }
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try database.entities.list(ofType: "character", filter: #".species == "human""#, after: cursor, limit: 9)
                seen += page.elements.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            stop.store(true, ordering: .relaxed)
            writer.join()
            #expect(Set(seen).count == seen.count, "an entity was returned twice")
            #expect(seen == seen.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "pages follow id order")
            // Everything that existed before the listing started is there.
            let before = try listAll(database, filter: #".species == "human""#).filter { !$0.hasPrefix("new") }
            #expect(Set(before).isSubset(of: Set(seen)))
        }
    }

    @Test func deletingAnEntityRemovesItsIndexEntriesVectorsAndNotes() throws {
        try withDatabase { database, _ in
            _ = try database.createCollection("search", options: CollectionOptions(dimension: 2, metric: .l2))
            _ = try database.createCollection("notes", options: CollectionOptions(dimension: 2, metric: .l2))
            try database.entities.define(EntityTypeDefinition(name: "character", indexedAttributes: ["species"]))
            let rick = EntityRef(type: "character", id: "rick")
            let morty = EntityRef(type: "character", id: "morty")
            try database.entities.upsert(rick, attributes: ["species": "human"], embeddings: [EntityEmbedding(collection: "search", vector: [1, 0])])
            try database.entities.upsert(morty, attributes: ["species": "human"], embeddings: [EntityEmbedding(collection: "search", vector: [0, 1])])
            let note = try database.notes.add(to: rick, body: "burp", embedding: EntityEmbedding(collection: "notes", vector: [1, 1]))
            _ = try database.notes.add(to: morty, body: "aw geez")
            #expect(try database.entities.search([1, 0], k: 1, in: "search").first?.entity.ref == rick)
            // Updating the attributes reaches the owned vector's attributes (filters see them).
            try database.entities.upsert(rick, attributes: ["species": "pickle"])
            #expect(try database.entities.search([1, 0], k: 2, filter: #".species == "pickle""#, in: "search").map(\.entity.ref) == [rick])
            try database.entities.delete(rick)
            #expect(try database.entities.get(rick) == nil)
            #expect(try database.entities.search([1, 0], k: 5, in: "search").map(\.entity.ref) == [morty])
            #expect(try database.notes.get(note.id) == nil)
            #expect(try database.collection("notes").count == 0)
            #expect(try database.entities.list(ofType: "character", filter: #".species == "pickle""#).elements.isEmpty)
            #expect(try database.notes.list(for: morty).elements.count == 1)
        }
    }
}

@Suite struct EntityStoreEdgeTests {
    @Test func aCursorOfAnotherTypeIsRefused() throws {
        try withDatabase { database, _ in
            for i in 0..<5 {
                try database.entities.upsert(EntityRef(type: "a", id: "\(i)"), attributes: ["n": .number(Double(i))])
                try database.entities.upsert(EntityRef(type: "b", id: "\(i)"), attributes: ["n": .number(Double(i))])
            }
            let page = try database.entities.list(ofType: "a", limit: 2)
            let cursor = try #require(page.nextCursor)
            #expect(throws: QuiverError.self) { _ = try database.entities.list(ofType: "b", after: cursor, limit: 2) }
            #expect(try database.entities.list(ofType: "a", after: cursor, limit: 10).elements.map(\.id) == ["2", "3", "4"])
        }
    }

    @Test func entitiesOutliveTheirDroppedCollections() throws {
        try withDatabase { database, _ in
            try database.createCollection("c", options: CollectionOptions(dimension: 2, metric: .l2))
            let ref = EntityRef(type: "t", id: "x")
            try database.entities.upsert(ref, attributes: ["a": 1], embeddings: [EntityEmbedding(collection: "c", vector: [1, 2])])
            _ = try database.notes.add(to: ref, body: "n", embedding: EntityEmbedding(collection: "c", vector: [1, 1]))
            try database.dropCollection("c")
            try database.entities.upsert(ref, attributes: ["a": 2])
            #expect(try database.entities.get(ref)?.attributes["a"] == 2)
            try database.entities.delete(ref)
            #expect(try database.entities.get(ref) == nil)
        }
    }

    @Test func notesOfOneMillisecondListNewestFirst() throws {
        try withDatabase { database, _ in  // the test clock does not move: every note shares a millisecond
            let ref = EntityRef(type: "t", id: "x")
            for i in 0..<5 { _ = try database.notes.add(to: ref, body: "note \(i)") }
            #expect(try database.notes.list(for: ref).elements.map(\.body) == (0..<5).reversed().map { "note \($0)" })
        }
    }
}
