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
            #expect(try docs.vectorCount() == 2)
            // Storage as describe reports it: the memtable only, then one segment after a flush.
            let unflushed = try docs.describe()
            #expect(unflushed.segments == 0 && unflushed.segmentBytes == 0 && unflushed.memoryBytes > 0, "\(unflushed)")
            try database.engine.flush()
            let flushed = try docs.describe()
            #expect(flushed.count == 2 && flushed.segments == 1, "\(flushed)")
            #expect(flushed.segmentBytes > 0 && flushed.memoryBytes == 0, "\(flushed)")
            try docs.upsert("d", vector: [0, 1, 0])
            let both = try database.describeCollection("docs")
            #expect(both.count == 3 && both.segments == 1 && both.segmentBytes == flushed.segmentBytes && both.memoryBytes > 0, "\(both)")
            try database.dropCollection("docs")
            #expect(database.collectionNames.isEmpty)
            let gone = #expect(throws: QuiverError.self) { try docs.vectorCount() }
            #expect(gone?.code == .notFound && gone?.message == "no collection named docs")
        }
    }

    @Test func errorsAreTypedSayWhatWasWrongAndChangeNothing() throws {
        try withDatabase { database, _ in
            let docs = try database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
            try docs.upsert("kept", vector: [1, 1])
            let mismatch = #expect(throws: QuiverError.self) { try docs.upsert("a", vector: [1, 2, 3]) }
            #expect(mismatch?.code == .invalidArgument)
            #expect(mismatch?.message == "vector for a has 3 dimensions, collection docs has 2")
            #expect(try docs.get("a") == nil)
            let query = #expect(throws: QuiverError.self) { try docs.search([1, 2, 3]) }
            #expect(query?.code == .invalidArgument)
            #expect(query?.message == "query has 3 dimensions, collection docs has 2", "names the collection")
            let filter = ".a == 1 and ("
            let bad = #expect(throws: QuiverError.self) { try docs.search([1, 0], filter: filter) }
            #expect(bad?.code == .invalidArgument)
            #expect(bad?.position == filter.utf8.count, "the mistake is the missing operand at the end")
            #expect(bad?.message.hasPrefix(#"bad filter ".a == 1 and (": syntax error in FILTER expression"#) == true, "\(bad?.message ?? "")")
            #expect(bad?.message.hasSuffix("(at byte \(filter.utf8.count))") == true)
            let misplaced = #expect(throws: QuiverError.self) { try docs.search([1, 0], filter: ".a == == 1") }
            #expect(misplaced?.position == 6, "the second ==")
            do {
                _ = try database.collection("nope")
                Issue.record("an unknown collection was found")
            } catch QuiverError.Code.notFound {}
            let duplicate = #expect(throws: QuiverError.self) {
                try database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
            }
            #expect(duplicate?.code == .alreadyExists)
            let reserved = #expect(throws: QuiverError.self) {
                try database.createCollection("quiver.mine", options: CollectionOptions(dimension: 2, metric: .l2))
            }
            #expect(reserved?.code == .invalidArgument)
            // A batch with one bad operation writes none of them.
            let nan = #expect(throws: QuiverError.self) {
                try database.write { batch in
                    batch.upsert("good", vector: [1, 1], in: "docs")
                    batch.upsert("bad", vector: [.nan, 1], in: "docs")
                }
            }
            #expect(nan?.code == .invalidArgument)
            #expect(try docs.get("good") == nil)
            #expect(try docs.vectorCount() == 1 && database.collectionNames == ["docs"])
        }
    }

    /// An unknown collection, named through a handle whose collection was dropped, a snapshot or
    /// a batch: `notFound`, the name in the message, and nothing written.
    @Test func anUnknownCollectionIsNamedAndNothingChanges() throws {
        try withDatabase { database, _ in
            let docs = try database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
            let ghost = try database.createCollection("ghost", options: CollectionOptions(dimension: 2, metric: .l2))
            try database.dropCollection("ghost")
            let cache = try database.createCache("c")
            func expectUnknown(_ name: String, _ error: QuiverError?, sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(error?.code == .notFound, sourceLocation: sourceLocation)
                #expect(error?.message == "no collection named \(name)", sourceLocation: sourceLocation)
            }
            expectUnknown("ghost", #expect(throws: QuiverError.self) { try ghost.upsert("a", vector: [1, 0]) })
            expectUnknown("ghost", #expect(throws: QuiverError.self) { try ghost.search([1, 0]) })
            expectUnknown("ghost", #expect(throws: QuiverError.self) { try ghost.vectorCount() })
            expectUnknown("nope", #expect(throws: QuiverError.self) { try database.snapshot().search([1, 0], in: "nope") })
            expectUnknown("nope", #expect(throws: QuiverError.self) { try database.describeCollection("nope") })
            let rick = EntityRef(type: "character", id: "rick")
            expectUnknown(
                "nope",
                #expect(throws: QuiverError.self) {
                    try database.write { batch in
                        batch.upsert("v", vector: [1, 1], in: "docs")
                        batch.upsertEntity(rick, attributes: ["a": 1], embeddings: [EntityEmbedding(collection: "docs", vector: [1, 0])])
                        batch.set([1], forKey: "k", inCache: "c")
                        _ = batch.addNote(to: rick, body: "note")
                        batch.upsert("x", vector: [1, 0], in: "nope")
                    }
                })
            expectUnknown(
                "nope",
                #expect(throws: QuiverError.self) {
                    try database.entities.upsert(rick, attributes: ["a": 1], embeddings: [EntityEmbedding(collection: "nope", vector: [1, 0])])
                })
            #expect(try docs.get("v") == nil && docs.vectorCount() == 0)
            #expect(try database.entities.get(rick) == nil)
            #expect(try database.notes.list(for: rick).elements.isEmpty)
            #expect(cache.get("k") == nil)
            #expect(database.collectionNames == ["docs"])
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
        let docs = try await database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<50 {
                group.addTask {
                    try await database.write { batch in batch.upsert(Key("k\(i)"), vector: [Float(i), 0], in: "docs") }
                }
            }
            try await group.waitForAll()
        }
        #expect(try docs.vectorCount() == 50)
        let hits = try await docs.search([3, 0], k: 1)
        #expect(hits.first?.key == "k3")
        try database.close()
    }
}
