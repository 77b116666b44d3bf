import Quiver
import QuiverTestSupport
import SystemPackage
import Testing

/// T17 for the embedded API: a database with real data in every kind of store (collections,
/// entities, notes, cache tables), flushed to several segments, compacted, reopened and read,
/// leaves no descriptor or mapping of its directory after each close.
@Suite struct DatabaseHygieneTests {
    private static let character = "character"

    /// The workload's writes: vectors in two collections, entities with notes, cache entries,
    /// in batches, with a flush after each round and deletes of each kind.
    private static func populate(_ database: Database) throws {
        var random = SeededGenerator(seed: 7)
        let docs = try database.createCollection(
            "docs", options: CollectionOptions(dimension: 16, metric: .l2, m: 8, efConstruction: 32))
        _ = try database.createCollection(
            "faces", options: CollectionOptions(dimension: 4, metric: .cosine, m: 8, efConstruction: 32))
        try database.entities.define(EntityTypeDefinition(name: character, indexedAttributes: ["species"]))
        let cache = try database.createCache("llm", configuration: CacheConfiguration(defaultTTL: .seconds(3600)))
        for round in 0..<4 {
            try database.write { batch in
                for i in round * 500..<(round + 1) * 500 {
                    batch.upsert(
                        Key("d\(i)"), vector: randomVector(16, &random), attributes: ["i": .number(Double(i))],
                        in: "docs")
                }
                for i in round * 50..<(round + 1) * 50 {
                    batch.upsert(Key("f\(i)"), vector: randomVector(4, &random), in: "faces")
                    let ref = EntityRef(type: character, id: "c\(i)")
                    batch.upsertEntity(ref, attributes: ["species": i % 2 == 0 ? "human" : "robot"])
                    _ = batch.addNote(to: ref, body: "note \(i)", tags: ["t\(i % 3)"])
                }
            }
            for i in round * 40..<(round + 1) * 40 { try cache.set(Array("answer \(i)".utf8), forKey: "q\(i)") }
            try database.write { batch in
                for i in stride(from: round * 500, to: (round + 1) * 500, by: 25) {
                    batch.delete(Key("d\(i)"), in: "docs")
                }
                batch.deleteEntity(EntityRef(type: character, id: "c\(round * 50)"))
            }
            try cache.remove(Key("q\(round * 40)"))
            try database.engine.flush()
        }
        _ = docs
    }

    @Test func databaseWithRealDataReturnsToBaseline() throws {
        try withTemporaryDirectory { directory in
            let root = directory.string
            let baseline = ResourceBaseline(directory: root)
            #expect(baseline == ResourceBaseline(descriptors: 0, mappings: 0))
            do {
                let database = try Database.open(at: root, configuration: testConfiguration())
                try Self.populate(database)
                let engine = database.engine
                #expect(try engine.segmentCount(in: "docs") == 4)
                let open = ResourceBaseline(directory: root)
                #expect(open.descriptors >= 3 && open.mappings >= 8, "\(open)")
                for name in engine.collectionNames + engine.tableNames where try engine.segmentCount(in: name) >= 2 {
                    try engine.compact(name)
                }
                #expect(try engine.segmentCount(in: "docs") == 1)
                #expect(ResourceBaseline(directory: root).mappings < open.mappings)
                try database.close()
            }
            #expect(
                ResourceBaseline(directory: root) == baseline,
                "\(ResourceBaseline.openFiles(under: root)) \(ResourceBaseline.mappedFiles(under: root))")
            do {
                let database = try Database.open(at: root, configuration: testConfiguration())
                let docs = try database.collection("docs")
                #expect(try docs.vectorCount() == 2000 - 80)
                #expect(try docs.get("d1")?.attributes?["i"] == .number(1))
                #expect(try docs.search(#require(try docs.get("d2")).vector, k: 1).first?.key == "d2")
                #expect(try database.collection("faces").vectorCount() == 200)
                let ref = EntityRef(type: Self.character, id: "c3")
                #expect(try database.entities.get(ref)?.attributes["species"] == "robot")
                #expect(try database.entities.get(EntityRef(type: Self.character, id: "c50")) == nil)
                #expect(try database.notes.list(for: ref).elements.map(\.body) == ["note 3"])
                let cache = try database.cache("llm")
                #expect(cache.get("q1") == Array("answer 1".utf8))
                #expect(cache.get("q40") == nil)
                try cache.set([1], forKey: "after-reopen")
                try database.close()
            }
            #expect(
                ResourceBaseline(directory: root) == baseline,
                "\(ResourceBaseline.openFiles(under: root)) \(ResourceBaseline.mappedFiles(under: root))")
        }
    }
}
