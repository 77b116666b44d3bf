import Quiver
import QuiverTestSupport
import Synchronization
import SystemPackage
import Testing

@Suite struct DatabaseSnapshotTests {
    /// Filtered search through the database keeps recall@10 >= 0.90 at 1 % selectivity, over a
    /// collection held partly in a flushed segment and partly in the memtable, against exact
    /// brute force over the vectors the filter selects. (At this size and selectivity the index's
    /// cost model scans the passing vectors exactly, so this guards the database's path: filter
    /// text, attributes in both parts, the merge; `HNSWIndexTests` covers the filtered graph walk.)
    @Test func filteredSearchKeepsRecallAtOnePercentAcrossSegmentAndMemtable() throws {
        let dimension = 16
        let count = 5000
        let flushed = 4000
        var random = SeededGenerator(seed: 11)
        let vectors = (0..<count).map { _ in randomVector(dimension, &random) }
        try withDatabase { database, _ in
            let docs = try database.createCollection("docs", options: CollectionOptions(dimension: dimension, metric: .l2))
            func insert(_ range: Range<Int>) throws {
                try database.write { batch in
                    for i in range {
                        batch.upsert(Key("v\(i)"), vector: vectors[i], attributes: ["bucket": .number(Double(i % 100)), "i": .number(Double(i))], in: "docs")
                    }
                }
            }
            try insert(0..<flushed)
            try database.engine.flush()
            try insert(flushed..<count)
            let info = try docs.describe()
            #expect(info.segments == 1 && info.memoryBytes > 0 && info.count == count, "\(info)")

            let bucket = 42
            let selected = (0..<count).filter { $0 % 100 == bucket }
            #expect(selected.contains { $0 < flushed } && selected.contains { $0 >= flushed })
            func distance(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            var recalled = 0
            var fromMemtable = 0
            let queries = 40
            for _ in 0..<queries {
                let query = randomVector(dimension, &random)
                let exact = Set(selected.sorted { distance(vectors[$0], query) < distance(vectors[$1], query) }.prefix(10).map { Key("v\($0)") })
                let found = try docs.search(query, k: 10, filter: ".bucket == \(bucket)", includeAttributes: true)
                #expect(found.count == 10)
                #expect(found.allSatisfy { $0.attributes?["bucket"] == .number(Double(bucket)) }, "only what the filter selects")
                recalled += found.count { exact.contains($0.key) }
                fromMemtable += found.count { match in
                    guard case .number(let i)? = match.attributes?["i"] else { return false }
                    return i >= Double(flushed)
                }
            }
            let recall = Double(recalled) / Double(queries * 10)
            #expect(recall >= 0.90, "recall@10 \(recall)")
            #expect(fromMemtable > 0, "the memtable's vectors are searched too")
        }
    }

    /// A writer held inside its commit (its log sync waits on the test) keeps no reader waiting:
    /// snapshots taken meanwhile read, search and list, and see the state before the batch.
    @Test func readersDoNotWaitForACommitInProgress() throws {
        let files = GatedFileIO()
        var configuration = testConfiguration()
        configuration.durability = .always
        configuration.fileIO = files
        try withDatabase(configuration) { database, _ in
            let docs = try database.createCollection("docs", options: CollectionOptions(dimension: 2, metric: .l2))
            let ref = EntityRef(type: "t", id: "e")
            try database.write { batch in
                batch.upsertEntity(ref, attributes: ["v": 1])
                batch.upsert("x", vector: [1, 0], attributes: ["v": 1], in: "docs")
            }
            files.hold { $0.extension == "wal" }
            let writer = TestThread {
                try! database.write { batch in
                    batch.upsertEntity(ref, attributes: ["v": 2])
                    batch.upsert("x", vector: [0, 1], attributes: ["v": 2], in: "docs")
                }
            }
            let writerHeld = files.waitUntilHeld()
            let seen = Mutex<[JSONValue?]>([])
            let readers = (0..<3).map { _ in
                TestThread {
                    let snapshot = database.snapshot()
                    let entity = try? snapshot.entity(ref)?.attributes["v"]
                    let vector = try? snapshot.search([0, 1], k: 1, includeAttributes: true, in: "docs").first?.attributes?["v"]
                    let listed = try? snapshot.entities(ofType: "t").elements.first?.attributes["v"]
                    seen.withLock { $0 += [entity, vector, listed] }
                }
            }
            let readersFinished = waitUntil { seen.withLock { $0.count } == 9 }
            let writerStillHeld = files.held == 1
            files.release()
            for reader in readers { reader.join() }
            writer.join()
            #expect(writerHeld, "the writer reached its log sync")
            #expect(readersFinished, "readers waited for the writer")
            #expect(writerStillHeld, "the readers finished while the writer was inside its commit")
            #expect(seen.withLock { $0 } == [JSONValue?](repeating: 1, count: 9), "the state before the batch")
            #expect(try database.entities.get(ref)?.attributes["v"] == 2)
            #expect(try docs.get("x")?.vector == [0, 1])
        }
    }
}
