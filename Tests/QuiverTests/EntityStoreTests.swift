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

    /// The guarantee of a listing read page by page while another thread writes, for each plan
    /// (an index probe, a full scan, an index range): every entity that exists and passes the
    /// filter, unchanged, for the whole listing appears exactly once, and nothing else that is
    /// unchanged appears. Pages in id order (probe, scan) never repeat an entity, whatever is
    /// written; a range listing, in order of the ranged value, may repeat only an entity whose
    /// value moved past the cursor. The writer updates, deletes and re-creates entities and
    /// moves them in and out of the filter, and the listing waits for its writes between pages.
    @Test(arguments: [
        (#".species == "human""#, true),  // probes the species index
        (#".status == "alive""#, true),  // status is not indexed: a full scan
        (".age >= 60", false),  // a range of the age index, by age then id
    ])
    func paginationIsStableUnderConcurrentWrites(filter: String, idOrder: Bool) throws {
        var configuration = testConfiguration()
        configuration.durability = .none
        try withDatabase(configuration) { database, _ in
            try database.entities.define(EntityTypeDefinition(name: "character", indexedAttributes: ["species", "age"]))
            let model = try populate(database, count: 300)
            // The writer touches only every third entity and new ones; the rest stay unchanged.
            let mutable = (0..<300).filter { $0 % 3 == 0 }.map { "id\($0)" }
            let expression = try FilterExpression(filter)
            let stable = model.filter { !mutable.contains($0.key) }
            let expected = Set(stable.filter { expression.matches(attributes: try! JSONValueEncoder().encode($0.value).serialized()) }.keys)
            let stop = Atomic<Bool>(false)
            let writes = Atomic<Int>(0)
            let species = self.species
            let writer = TestThread {
                var random = SeededGenerator(seed: 99)
                var created = 0
                while !stop.load(ordering: .relaxed) {
                    let id = mutable[Int.random(in: 0..<mutable.count, using: &random)]
                    let ref = EntityRef(type: "character", id: id)
                    let attributes: JSONValue = [
                        "name": .string(id), "species": .string(species[Int.random(in: 0..<species.count, using: &random)]),
                        "status": .string(Bool.random(using: &random) ? "alive" : "dead"),
                        "age": .number(Double(Int.random(in: 0...120, using: &random))), "tags": [],
                    ]
                    switch writes.load(ordering: .relaxed) % 4 {
                    case 0, 1: try! database.entities.upsert(ref, attributes: attributes)  // update, or re-create
                    case 2: try! database.entities.delete(ref)
                    default:
                        created += 1
                        try! database.entities.upsert(EntityRef(type: "character", id: "new\(created)"), attributes: attributes)
                    }
                    writes.wrappingAdd(1, ordering: .relaxed)
                }
            }
            var seen: [String] = []
            var pages = 0
            var cursor: String?
            var writesBetweenPages = true
            repeat {
                let before = writes.load(ordering: .relaxed)
                let page = try database.entities.list(ofType: "character", filter: filter, after: cursor, limit: 7)
                seen += page.elements.map(\.id)
                cursor = page.nextCursor
                pages += 1
                if cursor != nil { writesBetweenPages = writesBetweenPages && waitUntil { writes.load(ordering: .relaxed) >= before + 3 } }
            } while cursor != nil
            stop.store(true, ordering: .relaxed)
            writer.join()

            #expect(pages > 5 && writesBetweenPages, "writes happened between the pages of the listing")
            var times: [String: Int] = [:]
            for id in seen { times[id, default: 0] += 1 }
            for id in expected { #expect(times[id] == 1, "\(id): unchanged and matching, listed \(times[id] ?? 0) times") }
            let unexpectedStable = seen.filter { stable[$0] != nil && !expected.contains($0) }
            #expect(unexpectedStable.isEmpty, "unchanged entities the filter rejects: \(unexpectedStable)")
            let repeated = times.filter { $0.value > 1 }.keys.sorted()
            if idOrder {
                #expect(repeated.isEmpty, "listed twice: \(repeated)")
                #expect(seen == seen.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "pages follow id order")
            } else {
                #expect(repeated.allSatisfy { stable[$0] == nil }, "only entities written meanwhile may repeat: \(repeated)")
            }
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
            #expect(try database.collection("notes").vectorCount() == 0)
            #expect(try database.entities.list(ofType: "character", filter: #".species == "pickle""#).elements.isEmpty)
            #expect(try database.notes.list(for: morty).elements.count == 1)
        }
    }

    @Test func deletingAnEntityNeverStoredRemovesTheNotesAttachedToItsReference() throws {
        try withDatabase { database, _ in
            _ = try database.createCollection("notes", options: CollectionOptions(dimension: 2, metric: .l2))
            let ghost = EntityRef(type: "character", id: "ghost")
            let other = EntityRef(type: "character", id: "other")
            let embedded = try database.notes.add(to: ghost, body: "boo", embedding: EntityEmbedding(collection: "notes", vector: [1, 0]))
            _ = try database.notes.add(to: ghost, body: "again")
            let kept = try database.notes.add(to: other, body: "stays")
            #expect(try database.entities.get(ghost) == nil)
            try database.entities.delete(ghost)
            #expect(try database.notes.list(for: ghost).elements.isEmpty)
            #expect(try database.notes.get(embedded.id) == nil)
            #expect(try database.collection("notes").vectorCount() == 0)
            #expect(try database.notes.list(for: other).elements.map(\.id) == [kept.id])
            // In one batch with notes it adds: those go too.
            try database.write { batch in
                batch.addNote(to: ghost, body: "added in the batch")
                batch.deleteEntity(ghost)
            }
            #expect(try database.notes.list(for: ghost).elements.isEmpty)
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
