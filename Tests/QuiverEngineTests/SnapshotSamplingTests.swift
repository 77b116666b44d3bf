import QuiverEngine
import QuiverStorage
import QuiverTestSupport
import Testing

/// A seeded generator so that the sampling tests are repeatable.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct SnapshotSamplingTests {
    /// Rows in a segment and the memtable, with deletes in both; `dense` keeps most rows live.
    private func withCollection(dense: Bool, _ body: (Snapshot, Set<Key>) throws -> Void) throws {
        let rows = KeyedRows(count: 400, dimension: 4)
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions(durability: .none))
            try makeCollection(engine, dimension: 4)
            try insert(rows, 0..<250, into: engine)
            try engine.flush()
            try insert(rows, 250..<400, into: engine)
            var live = Set((0..<400).map(rows.key))
            var batch = WriteBatch()
            for i in 0..<400 where dense ? i % 10 == 0 : i % 10 != 0 {
                batch.delete(rows.key(i), in: "items")
                live.remove(rows.key(i))
            }
            // Replaced rows must be drawn once, from their newest part.
            for i in stride(from: 1, to: 250, by: 20) where live.contains(rows.key(i)) {
                batch.upsert(rows.key(i), vector: rows.vector(i), in: "items")
            }
            try engine.write(batch)
            try body(engine.snapshot(), live)
            try engine.close()
        }
    }

    @Test(arguments: [true, false])
    func distinctSamplesAreLiveDistinctAndCapped(dense: Bool) throws {
        try withCollection(dense: dense) { snapshot, live in
            var generator = SplitMix(state: 1)
            for count in [1, 5, 30, live.count / 3, live.count, live.count + 50] {
                let keys = try snapshot.randomKeys(count: count, distinct: true, in: "items", using: &generator)
                #expect(keys.count == min(count, live.count))
                #expect(Set(keys).count == keys.count)
                #expect(Set(keys).isSubset(of: live))
            }
            #expect(try snapshot.randomKeys(count: 0, distinct: true, in: "items").isEmpty)
        }
    }

    @Test(arguments: [true, false])
    func drawsWithRepeatsCoverTheSetUniformly(dense: Bool) throws {
        try withCollection(dense: dense) { snapshot, live in
            var generator = SplitMix(state: 2)
            let draws = 200 * live.count
            let keys = try snapshot.randomKeys(count: draws, distinct: false, in: "items", using: &generator)
            #expect(keys.count == draws)
            var counts: [Key: Int] = [:]
            for key in keys { counts[key, default: 0] += 1 }
            #expect(Set(counts.keys) == live)
            // Each key expects 200 draws; a binomial's spread is about 14, so 120...280 is > 5 sigma.
            #expect(
                counts.values.allSatisfy { (120...280).contains($0) },
                "min \(counts.values.min()!) max \(counts.values.max()!)")
        }
    }

    @Test func anEmptyCollectionHasNoSample() throws {
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions(durability: .none))
            try makeCollection(engine, dimension: 2)
            #expect(try engine.snapshot().randomKeys(count: 3, distinct: false, in: "items").isEmpty)
            try engine.upsert("a", vector: [1, 2], in: "items")
            try engine.delete("a", in: "items")
            #expect(try engine.snapshot().randomKeys(count: 3, distinct: true, in: "items").isEmpty)
            #expect(throws: EngineError.self) { try engine.snapshot().randomKeys(count: 1, distinct: true, in: "nope") }
            try engine.close()
        }
    }
}
