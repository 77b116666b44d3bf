import QuiverEngine
import QuiverStorage
import QuiverTestSupport
import Synchronization
import Testing

@Suite struct SnapshotTests {
    @Test func aSnapshotDoesNotSeeLaterWritesFlushesOrCompactions() throws {
        let rows = KeyedRows(count: 200)
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            try makeCollection(engine, dimension: rows.dimension)
            try engine.createTable(TableDefinition(name: "t"))
            try insert(rows, 0..<100, into: engine)
            var batch = WriteBatch()
            batch.put(Array("v1".utf8), forKey: "x", in: "t")
            try engine.write(batch)
            try engine.flush()
            let before = engine.snapshot()
            try insert(rows, 100..<200, into: engine)
            try engine.delete("k3", in: "items")
            batch = WriteBatch()
            batch.put(Array("v2".utf8), forKey: "x", in: "t")
            batch.put(Array("y".utf8), forKey: "y", in: "t")
            try engine.write(batch)
            try engine.flush()
            try engine.compact("items")
            try engine.compact("t")
            #expect(try before.count(in: "items") == 100)
            #expect(try before.get("k3", in: "items")?.vector == rows.vector(3))
            #expect(try before.get("k150", in: "items") == nil)
            #expect(try before.record("x", in: "t")?.value == Array("v1".utf8))
            #expect(try before.record("y", in: "t") == nil)
            let hits = try before.search(rows.vector(150), k: 10, in: "items")
            #expect(hits.allSatisfy { Int($0.key.description.dropFirst())! < 100 }, "no row written after the snapshot")
            var keys: [Key] = []
            try before.forEachKey(in: "items") { keys.append($0); return true }
            #expect(keys.count == 100 && keys == keys.sorted())
            let after = engine.snapshot()
            #expect(try after.count(in: "items") == 199)
            #expect(try after.get("k3", in: "items") == nil)
            #expect(try after.record("x", in: "t")?.value == Array("v2".utf8))
            try engine.close()
        }
    }

    /// Writers commit batches that set a table record, a second record and a vector's attributes
    /// to one version; readers check that every snapshot holds one version in all three.
    @Test func readersNeverSeePartOfABatch() throws {
        try withTemporaryDirectory { dir in
            var options = testOptions(durability: .none)
            options.backgroundMaintenance = true
            options.flushThresholdBytes = 64 << 10
            let engine = try StorageEngine.open(directory: dir, options: options)
            try makeCollection(engine, dimension: 4)
            try engine.createTable(TableDefinition(name: "t"))
            let stop = Atomic<Bool>(false)
            let violations = Atomic<Int>(0)
            let checks = Atomic<Int>(0)
            let writers = (0..<2).map { writer in
                TestThread {
                    for version in 0..<300 {
                        let tag = Array("\(writer)-\(version)".utf8)
                        var batch = WriteBatch()
                        batch.put(tag, forKey: Key("a\(writer)"), in: "t")
                        batch.upsert("v\(writer)", vector: [Float(version), 1, 2, 3], attributes: tag, in: "items")
                        batch.put(tag, forKey: Key("b\(writer)"), in: "t")
                        try! engine.write(batch)
                    }
                }
            }
            let readers = (0..<2).map { _ in
                TestThread {
                    while !stop.load(ordering: .relaxed) {
                        let snapshot = engine.snapshot()
                        for writer in 0..<2 {
                            let a = try! snapshot.record(Key("a\(writer)"), in: "t")?.value
                            let b = try! snapshot.record(Key("b\(writer)"), in: "t")?.value
                            let v = try! snapshot.get(Key("v\(writer)"), in: "items")
                            if a != b || a != v?.attributes || (v.map { "\(writer)-\(Int($0.vector[0]))" } != a.map { String(decoding: $0, as: UTF8.self) }) {
                                violations.wrappingAdd(1, ordering: .relaxed)
                            }
                            checks.wrappingAdd(1, ordering: .relaxed)
                        }
                    }
                }
            }
            writers.forEach { $0.join() }
            stop.store(true, ordering: .relaxed)
            readers.forEach { $0.join() }
            #expect(violations.load(ordering: .relaxed) == 0, "\(violations.load(ordering: .relaxed)) of \(checks.load(ordering: .relaxed)) checks saw part of a batch")
            #expect(checks.load(ordering: .relaxed) > 0)
            try engine.close()
        }
    }

    @Test func attributeUpdatesKeepTheVectorAndCosineVectorsKeepTheirLength() throws {
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            try engine.createCollection(CollectionDefinition(name: "c", dimension: 3, metric: .cosine))
            try engine.upsert("a", vector: [3, 0, 4], attributes: Array("{}".utf8), in: "c")
            for step in 0..<3 {
                let stored = try #require(try engine.get("a", in: "c"))
                #expect(zip(stored.vector, [3, 0, 4] as [Float]).allSatisfy { abs($0 - $1) < 1e-5 }, "\(stored.vector)")
                var batch = WriteBatch()
                batch.setAttributes(Array("{\"step\":\(step)}".utf8), of: "a", in: "c")
                batch.setAttributes(Array("{}".utf8), of: "missing", in: "c")
                try engine.write(batch)
                #expect(try engine.get("a", in: "c")?.attributes == Array("{\"step\":\(step)}".utf8))
                #expect(try engine.get("missing", in: "c") == nil)
                #expect(try engine.count(in: "c") == 1)
                if step == 1 { try engine.flush() }
            }
            try engine.close()
            let reopened = try StorageEngine.open(directory: dir, options: testOptions())
            let stored = try #require(try reopened.get("a", in: "c"))
            #expect(zip(stored.vector, [3, 0, 4] as [Float]).allSatisfy { abs($0 - $1) < 1e-5 })
            #expect(stored.attributes == Array("{\"step\":2}".utf8))
            try reopened.close()
        }
    }

    @Test func keysListInByteOrderAcrossPartsWithoutDeletedOnes() throws {
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            try makeCollection(engine, dimension: 2)
            var expected: Set<Key> = []
            for round in 0..<3 {
                var batch = WriteBatch()
                for i in 0..<20 {
                    let key = Key("e\(i * 3 + round)")
                    batch.upsert(key, vector: [Float(i), Float(round)], in: "items")
                    expected.insert(key)
                }
                if round == 0 {
                    batch.upsert(Key([]), vector: [9, 9], in: "items")  // the empty key is a key
                    expected.insert(Key([]))
                }
                batch.delete(Key("e\(round * 3)"), in: "items")
                expected.remove(Key("e\(round * 3)"))
                try engine.write(batch)
                if round < 2 { try engine.flush() }
            }
            try engine.upsert(Key([0, 1]), vector: [0, 0], in: "items")
            expected.insert(Key([0, 1]))
            var keys: [Key] = []
            try engine.snapshot().forEachKey(in: "items") { keys.append($0); return true }
            #expect(keys == expected.sorted())
            var fromE5: [Key] = []
            try engine.snapshot().forEachKey(in: "items", from: "e5") { fromE5.append($0); return fromE5.count < 4 }
            #expect(fromE5 == Array(expected.sorted().filter { $0 >= "e5" }.prefix(4)))
            try engine.close()
        }
    }
}
