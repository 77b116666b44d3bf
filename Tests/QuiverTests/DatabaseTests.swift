import SystemPackage
import Quiver
import QuiverTestSupport
import Testing

@Suite struct DatabaseTests {
    @Test func collectionsAreCreatedListedDescribedSearchedAndDropped() throws {
        try withDatabase { database, _ in
            let docs = try database.createCollection("docs", options: CollectionOptions(dimension: 3, metric: .cosine))
            try docs.upsert("a", vector: [1, 0, 0], attributes: ["genre": "action", "year": 1985])
            try docs.upsert("b", vector: [0.9, 0.1, 0], attributes: ["genre": "drama", "year": 1999])
            try docs.upsert("c", vector: [0, 0, 1])
            #expect(database.collectionNames == ["docs"])
            let info = try database.describeCollection("docs")
            #expect(info.count == 3 && info.options.dimension == 3 && info.options.metric == .cosine)
            #expect(try docs.search([1, 0, 0], k: 2).map(\.key) == ["a", "b"])
            let filtered = try docs.search([1, 0, 0], k: 3, filter: ".year > 1990", includeAttributes: true)
            #expect(filtered.map(\.key) == ["b"])
            #expect(filtered.first?.attributes?["genre"] == "drama")
            #expect(try docs.search(similarTo: "c", k: 1).map(\.key) == ["c"])
            #expect(try docs.get("a")?.vector == [1, 0, 0])
            try docs.delete("a")
            #expect(try docs.get("a") == nil)
            #expect(docs.count == 2)
            try database.dropCollection("docs")
            #expect(database.collectionNames.isEmpty)
        }
    }

    @Test func errorsAreTypedSayWhatWasWrongAndChangeNothing() throws {
        try withDatabase { database, _ in
            let docs = try database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
            #expect(throws: QuiverError.self) { try docs.upsert("a", vector: [1, 2, 3]) }
            do {
                _ = try docs.search([1, 0], filter: ".a == 1 and (")
                Issue.record("a bad filter was accepted")
            } catch let error as QuiverError {
                #expect(error.code == .invalidArgument)
                #expect(error.position != nil)
                #expect(error.message.contains("syntax error in FILTER expression"))
            }
            do {
                _ = try database.collection("nope")
                Issue.record("an unknown collection was found")
            } catch QuiverError.Code.notFound {}
            #expect(throws: QuiverError.self) { try database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2)) }
            #expect(throws: QuiverError.self) { try database.createCollection("quiver.mine", options: CollectionOptions(dimension: 2, metric: .l2)) }
            // A batch with one bad operation writes none of them.
            #expect(throws: QuiverError.self) {
                try database.write { batch in
                    batch.upsert("good", vector: [1, 1], in: "docs")
                    batch.upsert("bad", vector: [.nan, 1], in: "docs")
                }
            }
            #expect(try docs.get("good") == nil)
        }
    }

    @Test func everythingSurvivesAReopen() throws {
        let clock = ManualWallClock()
        try withTemporaryDirectory { dir in
            do {
                let database = try Database.open(at: dir.string, configuration: testConfiguration(clock))
                let docs = try database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
                try database.entities.define(EntityTypeDefinition(name: "character", indexedAttributes: ["species"]))
                try database.write { batch in
                    batch.upsert("x", vector: [1, 2], attributes: ["n": 1], in: "docs")
                    batch.upsertEntity(EntityRef(type: "character", id: "rick"), attributes: ["species": "human"])
                }
                _ = try database.notes.add(to: EntityRef(type: "character", id: "rick"), body: "a scientist")
                let cache = try database.createCache("llm", configuration: CacheConfiguration(defaultTTL: .seconds(60)))
                try cache.set(Array("answer".utf8), forKey: "q")
                _ = docs
                try database.close()
            }
            clock.advance(milliseconds: 30_000)
            let database = try Database.open(at: dir.string, configuration: testConfiguration(clock))
            #expect(try database.collection("docs").get("x")?.vector == [1, 2])
            #expect(try database.entities.get(EntityRef(type: "character", id: "rick"))?.attributes["species"] == "human")
            #expect(try database.entities.list(ofType: "character", filter: ".species == \"human\"").elements.count == 1)
            #expect(database.entities.types.map(\.name) == ["character"])
            #expect(try database.notes.list(for: EntityRef(type: "character", id: "rick")).elements.map(\.body) == ["a scientist"])
            let cache = try database.cache("llm")
            #expect(cache.get("q") == Array("answer".utf8), "the TTL is wall-clock time: 30 s of 60 are left")
            clock.advance(milliseconds: 30_000)
            #expect(cache.get("q") == nil)
            try database.close()
        }
    }

    @Test func inMemoryDatabasesWork() throws {
        let database = try Database.inMemory(configuration: testConfiguration())
        let docs = try database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
        for i in 0..<200 { try docs.upsert(Key("k\(i)"), vector: [Float(i), 1]) }
        #expect(try docs.search([10, 1], k: 1).first?.key == "k10")
        try database.close()
    }

    @Test func asyncWritesAndSearchesWork() async throws {
        let database = try Database.inMemory(configuration: testConfiguration())
        let docs = try database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<50 {
                group.addTask {
                    try await database.write { batch in batch.upsert(Key("k\(i)"), vector: [Float(i), 0], in: "docs") }
                }
            }
            try await group.waitForAll()
        }
        #expect(docs.count == 50)
        let hits = try await docs.search([3, 0], k: 1)
        #expect(hits.first?.key == "k3")
        try database.close()
    }
}

@Suite struct AsyncMetadataTests {
    @Test func entitiesAndNotesHaveAsyncForms() async throws {
        let database = try Database.inMemory(configuration: testConfiguration())
        let ref = EntityRef(type: "t", id: "1")
        try await database.entities.upsert(ref, attributes: ["a": 1])
        let note = try await database.notes.add(to: ref, body: "hello")
        #expect(try database.notes.get(note.id)?.body == "hello")
        try await database.entities.delete(ref)
        #expect(try database.entities.get(ref) == nil && database.notes.get(note.id) == nil)
        try database.close()
    }
}
