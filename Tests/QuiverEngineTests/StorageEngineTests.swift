@testable import QuiverEngine
import QuiverIndex
import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

/// Options for deterministic tests: no background work, no fsync cost worth measuring.
func testOptions(durability: WALConfiguration.Durability = .always) -> EngineOptions {
    var options = EngineOptions()
    options.backgroundMaintenance = false
    options.wal.durability = durability
    return options
}

/// Rows of a small clustered data set, keyed `k0`, `k1`, …
struct KeyedRows {
    let data: ClusteredDataset
    init(count: Int, dimension: Int = 8, seed: UInt64 = 1) {
        data = ClusteredDataset(count: count, queryCount: 10, dimension: dimension, clusters: 8, seed: seed)
    }
    var dimension: Int { data.dimension }
    func vector(_ i: Int) -> [Float] { Array(data.train[i * data.dimension..<(i + 1) * data.dimension]) }
    func key(_ i: Int) -> Key { Key("k\(i)") }
}

func makeCollection(_ engine: StorageEngine, _ name: String = "items", dimension: Int, metric: Metric = .l2) throws {
    var definition = CollectionDefinition(name: name, dimension: dimension, metric: metric)
    definition.index.m = 8
    definition.index.efConstruction = 64
    try engine.createCollection(definition)
}

func insert(_ rows: KeyedRows, _ range: Range<Int>, into engine: StorageEngine, collection: String = "items") throws {
    var batch = WriteBatch()
    for i in range { batch.upsert(rows.key(i), vector: rows.vector(i), attributes: Array("{\"i\":\(i)}".utf8), in: collection) }
    try engine.write(batch)
}

/// Every live key must be its own nearest neighbour.
func expectSelfHits(_ engine: StorageEngine, _ rows: KeyedRows, _ keys: some Sequence<Int>, collection: String = "items") throws {
    var misses = 0
    var total = 0
    for i in keys {
        total += 1
        let hit = try engine.search(rows.vector(i), k: 1, ef: 64, in: collection).first
        if hit?.key != rows.key(i) { misses += 1 }
    }
    #expect(misses <= total / 50, "\(misses) of \(total) keys were not their own nearest neighbour")
}

@Suite struct StorageEngineTests {
    @Test func writesSurviveReopenFromTheLogAlone() throws {
        let rows = KeyedRows(count: 300)
        try withTemporaryDirectory { dir in
            do {
                let engine = try StorageEngine.open(directory: dir, options: testOptions())
                try makeCollection(engine, dimension: rows.dimension)
                try insert(rows, 0..<300, into: engine)
                try engine.delete("k5", in: "items")
                // No close: the process "dies" with everything only in the log.
                try engine.abandonForTesting()
            }
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            #expect(try engine.count(in: "items") == 299)
            #expect(try engine.get("k5", in: "items") == nil)
            let stored = try #require(try engine.get("k7", in: "items"))
            #expect(stored.vector == rows.vector(7))
            #expect(stored.attributes == Array("{\"i\":7}".utf8))
            try expectSelfHits(engine, rows, (0..<300).filter { $0 != 5 })
            try engine.close()
        }
    }

    @Test func flushedSegmentsServeSearchesAfterReopen() throws {
        let rows = KeyedRows(count: 600)
        try withTemporaryDirectory { dir in
            do {
                let engine = try StorageEngine.open(directory: dir, options: testOptions())
                try makeCollection(engine, dimension: rows.dimension)
                try insert(rows, 0..<300, into: engine)
                try engine.flush()
                try insert(rows, 300..<600, into: engine)
                try engine.flush()
                // Deletes and updates of rows that live in segments.
                for i in stride(from: 0, to: 600, by: 10) { try engine.delete(rows.key(i), in: "items") }
                try engine.upsert(rows.key(1), vector: rows.vector(2), in: "items")
                try engine.close()
            }
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            #expect(try engine.count(in: "items") == 540)
            #expect(try engine.get(rows.key(10), in: "items") == nil)
            #expect(try engine.get(rows.key(1), in: "items")?.vector == rows.vector(2))
            #expect(try engine.get(rows.key(1), in: "items")?.attributes == nil)
            let hits = try engine.search(rows.vector(20), k: 5, ef: 64, in: "items", withAttributes: true)
            #expect(!hits.contains { $0.key == rows.key(20) })
            #expect(hits.allSatisfy { $0.key == "k1" || $0.attributes != nil })
            try expectSelfHits(engine, rows, (0..<600).filter { $0 % 10 != 0 && $0 != 1 && $0 != 2 })
            try engine.close()
        }
    }

    @Test func compactionMergesSegmentsAndDropsDeletedRows() throws {
        let rows = KeyedRows(count: 800)
        try withTemporaryDirectory { dir in
            do {
                let engine = try StorageEngine.open(directory: dir, options: testOptions())
                try makeCollection(engine, dimension: rows.dimension)
                for chunk in 0..<4 {
                    try insert(rows, chunk * 200..<(chunk + 1) * 200, into: engine)
                    for i in stride(from: chunk * 200, to: (chunk + 1) * 200, by: 7) { try engine.delete(rows.key(i), in: "items") }
                    try engine.flush()
                }
                #expect(try engine.segmentCount(in: "items") == 4)
                #expect(try engine.count(in: "items") == 684)
                try engine.compact("items")
                #expect(try engine.segmentCount(in: "items") == 1)
                #expect(try engine.count(in: "items") == 684)
                try expectSelfHits(engine, rows, (0..<800).filter { $0 % 200 % 7 != 0 })
                try engine.close()
            }
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            let live = (0..<800).filter { $0 % 200 % 7 != 0 }  // each chunk deleted every 7th of its rows
            let count = try engine.count(in: "items")
            #expect(count == live.count)
            #expect(try engine.segmentCount(in: "items") == 1)
            try expectSelfHits(engine, rows, live)
            #expect(try engine.get(rows.key(14), in: "items") == nil)
            #expect(try engine.get(rows.key(15), in: "items")?.attributes == Array("{\"i\":15}".utf8))
            try engine.close()
            let names = try PosixFileIO().contentsOfDirectory(dir).filter { $0.hasSuffix(".seg") }
            #expect(names.count == 1, "old segments were not removed: \(names)")
        }
    }

    @Test func backupOpensToTheStateAtTheBackupPoint() throws {
        let rows = KeyedRows(count: 400)
        try withTemporaryDirectory { dir in
            let live = dir.appending("live")
            let copy = dir.appending("copy")
            let engine = try StorageEngine.open(directory: live, options: testOptions())
            try makeCollection(engine, dimension: rows.dimension)
            try insert(rows, 0..<200, into: engine)
            try engine.flush()
            try insert(rows, 200..<300, into: engine)
            try engine.backup(to: copy)
            try insert(rows, 300..<400, into: engine)
            try engine.delete(rows.key(0), in: "items")
            try engine.flush()
            try engine.close()
            let restored = try StorageEngine.open(directory: copy, options: testOptions())
            #expect(try restored.count(in: "items") == 300)
            #expect(try restored.get(rows.key(0), in: "items") != nil)
            #expect(try restored.get(rows.key(350), in: "items") == nil)
            try expectSelfHits(restored, rows, 0..<300)
            try restored.close()
        }
    }

    @Test func invalidBatchesChangeNothing() throws {
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            try makeCollection(engine, dimension: 3)
            var batch = WriteBatch()
            batch.upsert("a", vector: [1, 2, 3], in: "items")
            batch.upsert("b", vector: [1, 2], in: "items")
            #expect { try engine.write(batch) } throws: { ($0 as? EngineError)?.code == .invalidArgument }
            #expect(try engine.count(in: "items") == 0)
            let sequence = engine.lastSequence
            #expect { try engine.upsert("a", vector: [1, .nan, 3], in: "items") } throws: { ($0 as? EngineError)?.code == .invalidArgument }
            #expect { try engine.upsert(Key([UInt8](repeating: 1, count: 65536)), vector: [1, 2, 3], in: "items") } throws: {
                ($0 as? EngineError)?.code == .invalidArgument
            }
            #expect { try engine.upsert("a", vector: [1, 2, 3], in: "nope") } throws: { ($0 as? EngineError)?.code == .notFound }
            #expect { try makeCollection(engine, dimension: 3) } throws: { ($0 as? EngineError)?.code == .alreadyExists }
            #expect { try engine.createCollection(CollectionDefinition(name: "", dimension: 3, metric: .l2)) } throws: {
                ($0 as? EngineError)?.code == .invalidArgument
            }
            #expect(engine.lastSequence == sequence)
            #expect(try engine.search([1, 2, 3], k: 3, in: "items").isEmpty)
            try engine.close()
            #expect { try engine.upsert("a", vector: [1, 2, 3], in: "items") } throws: { ($0 as? EngineError)?.code == .readOnly }
        }
    }

    @Test func aSecondOpenOfTheDirectoryIsRefused() throws {
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            #expect { try StorageEngine.open(directory: dir, options: testOptions()) } throws: {
                ($0 as? EngineError)?.code == .locked || ($0 as? EngineError)?.message.contains("in use") == true
            }
            try engine.close()
            try StorageEngine.open(directory: dir, options: testOptions()).close()
        }
    }

    @Test func droppedCollectionsLeaveNoFilesBehind() throws {
        let rows = KeyedRows(count: 100)
        try withTemporaryDirectory { dir in
            do {
                let engine = try StorageEngine.open(directory: dir, options: testOptions())
                try makeCollection(engine, "a", dimension: rows.dimension)
                try makeCollection(engine, "b", dimension: rows.dimension)
                try insert(rows, 0..<100, into: engine, collection: "a")
                try insert(rows, 0..<50, into: engine, collection: "b")
                try engine.flush()
                try engine.dropCollection("a")
                try engine.close()
            }
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            #expect(engine.collectionNames == ["b"])
            #expect(try engine.count(in: "b") == 50)
            try engine.close()
            let segments = try PosixFileIO().contentsOfDirectory(dir).filter { $0.hasSuffix(".seg") }
            #expect(segments.count == 1)
        }
    }

    @Test func concurrentWritersAllLand() throws {
        let rows = KeyedRows(count: 800)
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            try makeCollection(engine, dimension: rows.dimension)
            let threads = (0..<8).map { t in
                TestThread {
                    for i in stride(from: t, to: 800, by: 8) {
                        try! engine.upsert(rows.key(i), vector: rows.vector(i), in: "items")
                        if i % 3 == 0 { try! engine.delete(rows.key(i), in: "items") }
                    }
                }
            }
            threads.forEach { $0.join() }
            #expect(try engine.count(in: "items") == (0..<800).count { $0 % 3 != 0 })
            try engine.close()
            let reopened = try StorageEngine.open(directory: dir, options: testOptions())
            #expect(try reopened.count(in: "items") == (0..<800).count { $0 % 3 != 0 })
            try reopened.close()
        }
    }
}

@Suite struct StorageEngineRecoveryTests {
    @Test func deletesOfSegmentRowsSurviveACrashBeforeTheNextFlush() throws {
        let rows = KeyedRows(count: 300)
        try withTemporaryDirectory { dir in
            do {
                let engine = try StorageEngine.open(directory: dir, options: testOptions())
                try makeCollection(engine, dimension: rows.dimension)
                try insert(rows, 0..<300, into: engine)
                try engine.flush()
                try engine.delete(rows.key(3), in: "items")
                try engine.upsert(rows.key(4), vector: rows.vector(5), in: "items")
                try engine.abandonForTesting()
            }
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            #expect(try engine.get(rows.key(3), in: "items") == nil)
            #expect(try engine.get(rows.key(4), in: "items")?.vector == rows.vector(5))
            #expect(try engine.count(in: "items") == 299)
            // Twice: recovery is idempotent.
            try engine.abandonForTesting()
            let again = try StorageEngine.open(directory: dir, options: testOptions())
            #expect(try again.count(in: "items") == 299)
            #expect(try again.get(rows.key(3), in: "items") == nil)
            try again.close()
        }
    }

    @Test func deletesDuringACompactionMoveToItsOutput() throws {
        let rows = KeyedRows(count: 600)
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            try makeCollection(engine, dimension: rows.dimension)
            for chunk in 0..<3 {
                try insert(rows, chunk * 200..<(chunk + 1) * 200, into: engine)
                try engine.flush()
            }
            let deleter = TestThread {
                for i in stride(from: 1, to: 600, by: 5) { try! engine.delete(rows.key(i), in: "items") }
            }
            try engine.compact("items")
            deleter.join()
            let live = (0..<600).filter { $0 % 5 != 1 }
            #expect(try engine.count(in: "items") == live.count)
            for i in stride(from: 1, to: 600, by: 5) { #expect(try engine.get(rows.key(i), in: "items") == nil) }
            try engine.abandonForTesting()
            let reopened = try StorageEngine.open(directory: dir, options: testOptions())
            #expect(try reopened.count(in: "items") == live.count)
            try expectSelfHits(reopened, rows, live)
            try reopened.close()
        }
    }

    @Test func importedIndexesOpenFromTheirSegment() throws {
        let rows = KeyedRows(count: 500, dimension: 12)
        try withTemporaryDirectory { dir in
            var configuration = HNSWConfiguration(dimension: 12, metric: .cosine)
            configuration.m = 8
            let index = try HNSWIndex(configuration)
            _ = try rows.data.train.withUnsafeBufferPointer { try index.add(contentsOf: $0, threads: 2) }
            do {
                let engine = try StorageEngine.open(directory: dir, options: testOptions())
                try engine.createCollection(CollectionDefinition(name: "bulk", index: configuration))
                let keys = (0..<500).map(rows.key)
                try engine.importIndex(index, keys: keys, into: "bulk")
                #expect { try engine.importIndex(index, keys: keys, into: "bulk") } throws: {
                    ($0 as? EngineError)?.code == .alreadyExists
                }
                try engine.abandonForTesting()
            }
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            #expect(try engine.count(in: "bulk") == 500)
            #expect(try engine.segmentBytes(in: "bulk") > 500 * 12 * 4)
            for q in 0..<10 {
                let query = Array(rows.data.query(q))
                #expect(try engine.search(query, k: 10, ef: 50, in: "bulk").map(\.key)
                    == index.search(query, k: 10, ef: 50).map { rows.key(Int($0.id)) })
            }
            try engine.close()
        }
    }
}

@Suite struct CompactionPlanTests {
    @Test func similarSizesMergeAndLargeSegmentsWaitForTheirPeers() {
        #expect(CompactionPlan.tier(of: [(1, 100), (2, 110), (3, 90)], trigger: 4) == nil)
        #expect(CompactionPlan.tier(of: [(1, 100), (2, 110), (3, 90), (4, 120)], trigger: 4).map(Set.init) == [1, 2, 3, 4])
        // One large segment and four small ones: only the small ones merge.
        #expect(CompactionPlan.tier(of: [(1, 10_000), (2, 100), (3, 110), (4, 90), (5, 120)], trigger: 4).map(Set.init) == [2, 3, 4, 5])
        // Sizes spread so no tier fills: nothing, until 4 x trigger segments exist.
        let spread = (0..<8).map { (UInt64($0), 1 << (2 * $0)) }
        #expect(CompactionPlan.tier(of: spread, trigger: 4) == nil)
        let many = (0..<16).map { (UInt64($0), 1 << (2 * $0)) }
        #expect(CompactionPlan.tier(of: many, trigger: 4) == [0, 1, 2, 3])
    }
}

@Suite struct PartialCompactionTests {
    /// Merging some segments keeps the deletes they recorded against the others.
    @Test func deletesRecordedAgainstSegmentsLeftOutSurviveAReopen() throws {
        let rows = KeyedRows(count: 400)
        try withTemporaryDirectory { dir in
            do {
                let engine = try StorageEngine.open(directory: dir, options: testOptions())
                try makeCollection(engine, dimension: rows.dimension)
                try insert(rows, 0..<200, into: engine)
                try engine.flush()  // A: 0..<200
                for i in 0..<20 { try engine.delete(rows.key(i), in: "items") }
                try insert(rows, 200..<300, into: engine)
                try engine.flush()  // B: deletes 0..<20 of A, holds 200..<300
                try insert(rows, 300..<400, into: engine)
                try engine.flush()  // C
                let numbers = try engine.segmentNumbers(in: "items")
                #expect(numbers.count == 3)
                try engine.compact("items", segments: Set(numbers.prefix(2)))  // B and C, not A
                #expect(try engine.segmentCount(in: "items") == 2)
                #expect(try engine.count(in: "items") == 380)
                try engine.close()
            }
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            #expect(try engine.count(in: "items") == 380)
            for i in 0..<20 { #expect(try engine.get(rows.key(i), in: "items") == nil) }
            #expect(try engine.get(rows.key(20), in: "items") != nil)
            try expectSelfHits(engine, rows, 20..<400)
            try engine.close()
        }
    }
}

/// Opening and closing when the directory or the disk misbehaves (T18 on the engine's recovery path).
@Suite struct StorageEngineOpenCloseTests {
    @Test func dataFilesWithoutCURRENTAreRefused() throws {
        let rows = KeyedRows(count: 20)
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            try makeCollection(engine, dimension: rows.dimension)
            try insert(rows, 0..<20, into: engine)
            try engine.close()
            try PosixFileIO().remove(dir.appending("CURRENT"))
            do throws(EngineError) {
                _ = try StorageEngine.open(directory: dir, options: testOptions())
                Issue.record("a directory with data files and no CURRENT opened")
            } catch {
                #expect(error.code == .corruption && error.message.contains("no CURRENT manifest pointer"), "\(error)")
            }
        }
    }

    /// A close whose flush fails reports it and still releases the directory; the log kept every
    /// acknowledged write, so the next open has them.
    @Test func aCloseWhoseFlushFailsStillReleasesTheDirectory() throws {
        let rows = KeyedRows(count: 50)
        try withTemporaryDirectory { dir in
            let (engine, faulty) = try openWithFaults(dir, holding: rows, 0..<50)
            faulty.inject(.init([.synchronize], .from(1), .error(.ioError)))
            #expect(throws: EngineError.self) { try engine.close() }
            #expect(throws: EngineError.self) { try engine.upsert("late", vector: rows.vector(0), in: "items") }
            #expect(ResourceBaseline(directory: dir.string).descriptors == 0, "\(ResourceBaseline.openFiles(under: dir.string))")
            let reopened = try StorageEngine.open(directory: dir, options: testOptions())
            #expect(try reopened.count(in: "items") == 50)
            try reopened.close()
        }
    }
}

extension StorageEngineOpenCloseTests {
    /// A collection and a table that never reached a segment come back from the catalog alone.
    @Test func emptyCollectionsAndTablesSurviveAReopen() throws {
        try withTemporaryDirectory { dir in
            do {
                let engine = try StorageEngine.open(directory: dir, options: testOptions())
                try makeCollection(engine, dimension: 3, metric: .cosine)
                try engine.createTable(TableDefinition(name: "notes"))
                try engine.close()
            }
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            #expect(engine.collectionNames == ["items"] && engine.tableNames == ["notes"])
            #expect(try engine.definition(of: "items").index.metric == .cosine)
            #expect(try engine.definition(of: "items").index.dimension == 3)
            #expect(throws: EngineError.self) { try engine.definition(of: "notes") }
            #expect(try engine.count(in: "items") == 0 && engine.record(Key("x"), in: "notes") == nil)
            try engine.close()
        }
    }

    /// Whichever release of a close fails (the log's, the manifest's, the lock's, or one inside
    /// the last flush), the close releases every descriptor and the directory lock.
    @Test(arguments: 1...4)
    func aCloseReleasesEverythingWhicheverCloseFails(failing: Int) throws {
        let rows = KeyedRows(count: 10)
        try withTemporaryDirectory { dir in
            let (engine, faulty) = try openWithFaults(dir, holding: rows, 0..<10)
            try engine.flush()
            faulty.inject(.init([.close], .once(failing), .error(.ioError)))
            _ = try? engine.close()
            #expect(faulty.trace.contains { $0.operation == .close && $0.fault != nil })
            #expect(ResourceBaseline(directory: dir.string).descriptors == 0, "\(ResourceBaseline.openFiles(under: dir.string))")
            let reopened = try StorageEngine.open(directory: dir, options: testOptions())
            #expect(try reopened.count(in: "items") == 10)
            try reopened.close()
        }
    }

    /// A close whose log close fails reports it, and still releases every descriptor and the
    /// directory lock, so the directory can be opened again.
    @Test func aCloseWhoseLogCloseFailsStillReleasesEverything() throws {
        let rows = KeyedRows(count: 30)
        try withTemporaryDirectory { dir in
            let (engine, faulty) = try openWithFaults(dir, holding: rows, 0..<30)
            try engine.flush()
            // Nothing left to flush: the first close that fails is the log's.
            faulty.inject(.init([.close], .from(1), .error(.ioError)))
            #expect(throws: EngineError.self) { try engine.close() }
            faulty.clearFaults()
            #expect(ResourceBaseline(directory: dir.string).descriptors == 0, "\(ResourceBaseline.openFiles(under: dir.string))")
            let reopened = try StorageEngine.open(directory: dir, options: testOptions())
            #expect(try reopened.count(in: "items") == 30)
            try reopened.close()
        }
    }
}


/// An engine over `dir` whose file I/O can be made to fail, holding `rows` in `range`.
func openWithFaults(_ dir: FilePath, holding rows: KeyedRows, _ range: Range<Int>) throws -> (StorageEngine, FaultyFileIO) {
    let faulty = FaultyFileIO(wrapping: PosixFileIO())
    var options = testOptions()
    options.fileIO = faulty
    let engine = try StorageEngine.open(directory: dir, options: options)
    try makeCollection(engine, dimension: rows.dimension)
    try insert(rows, range, into: engine)
    return (engine, faulty)
}
