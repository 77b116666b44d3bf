import SystemPackage
import Quiver
import QuiverTestSupport
import Synchronization
import Testing

@Suite struct BatchTests {
    @Test func aBatchOfEveryKindCommitsTogether() throws {
        try withDatabase { database, _ in
            _ = try database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
            _ = try database.createCache("c")
            let rick = EntityRef(type: "character", id: "rick")
            let noteID = try database.write { batch -> String in
                batch.upsert("v", vector: [1, 1], in: "docs")
                batch.upsertEntity(rick, attributes: ["species": "human"], embeddings: [EntityEmbedding(collection: "docs", vector: [2, 2])])
                batch.set([1, 2, 3], forKey: "k", inCache: "c")
                return batch.addNote(to: rick, body: "first")
            }
            let snapshot = database.snapshot()
            #expect(try snapshot.vector("v", in: "docs") != nil)
            #expect(try snapshot.entity(rick) != nil)
            #expect(try snapshot.note(noteID)?.body == "first")
            #expect(try database.cache("c").get("k") == [1, 2, 3])
            #expect(try snapshot.searchEntities([2, 2], k: 1, in: "docs").first?.entity.ref == rick)
        }
    }

    @Test func aFailedBatchChangesNothingAnywhere() throws {
        try withDatabase { database, _ in
            _ = try database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
            _ = try database.createCache("c")
            #expect(throws: QuiverError.self) {
                try database.write { batch in
                    batch.set([9], forKey: "k", inCache: "c")
                    batch.upsertEntity(EntityRef(type: "t", id: "1"), attributes: ["a": 1])
                    batch.upsert("v", vector: [1, 2, 3], in: "docs")  // wrong dimension
                }
            }
            #expect(try database.cache("c").get("k") == nil)
            #expect(try database.entities.get(EntityRef(type: "t", id: "1")) == nil)
            #expect(throws: QuiverError.self) {
                try database.write { batch in
                    batch.set([9], forKey: "k", inCache: "c")
                    batch.upsertEntity(EntityRef(type: "t", id: "1"), attributes: [1, 2])  // not an object
                }
            }
            #expect(try database.cache("c").get("k") == nil)
        }
    }

    /// A writer puts an entity and a vector of one version in each batch; readers, several in
    /// parallel, must always find one version in the entity and the vector of a snapshot.
    @Test func readersSeeWholeBatches() throws {
        var configuration = testConfiguration()
        configuration.durability = .none
        try withDatabase(configuration) { database, _ in
            _ = try database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
            let stop = Atomic<Bool>(false)
            let torn = Atomic<Int>(0)
            let writer = TestThread {
                for version in 1...300 {
                    try! database.write { batch in
                        batch.upsertEntity(EntityRef(type: "t", id: "e"), attributes: ["v": .number(Double(version))])
                        batch.upsert("x", vector: [Float(version), 0], attributes: ["v": .number(Double(version))], in: "docs")
                    }
                }
                stop.store(true, ordering: .relaxed)
            }
            let reads = Atomic<Int>(0)
            let readers = (0..<3).map { _ in
                TestThread {
                    while !stop.load(ordering: .relaxed) {
                        let snapshot = database.snapshot()
                        let entity = try! snapshot.entity(EntityRef(type: "t", id: "e"))?.attributes["v"]
                        let vector = try! snapshot.vector("x", in: "docs")
                        if entity != vector?.attributes?["v"] { torn.wrappingAdd(1, ordering: .relaxed) }
                        if let vector, vector.attributes?["v"] != .number(Double(vector.vector[0])) { torn.wrappingAdd(1, ordering: .relaxed) }
                        reads.wrappingAdd(1, ordering: .relaxed)
                    }
                }
            }
            writer.join()
            for reader in readers { reader.join() }
            #expect(torn.load(ordering: .relaxed) == 0)
            #expect(reads.load(ordering: .relaxed) >= 3, "the readers read while the writer wrote")
        }
    }
}
