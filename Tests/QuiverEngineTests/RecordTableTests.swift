import QuiverEngine
import QuiverStorage
import QuiverTestSupport
import Synchronization
import Testing

/// A wall clock the tests move by hand.
final class TestWallClock: Sendable {
    let now = Atomic<Int64>(1_700_000_000_000)
    var read: @Sendable () -> Int64 { { [self] in now.load(ordering: .relaxed) } }
    func advance(milliseconds: Int64) { now.wrappingAdd(milliseconds, ordering: .relaxed) }
}

func tableOptions(_ clock: TestWallClock) -> EngineOptions {
    var options = testOptions()
    options.wallClock = clock.read
    return options
}

private func value(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct RecordTableTests {
    @Test func putGetRemoveAndScanAcrossFlushesCompactionAndReopen() throws {
        let clock = TestWallClock()
        try withTemporaryDirectory { dir in
            var expected: [Key: String] = [:]
            do {
                let engine = try StorageEngine.open(directory: dir, options: tableOptions(clock))
                try engine.createTable(TableDefinition(name: "notes"))
                for round in 0..<4 {
                    var batch = WriteBatch()
                    for i in 0..<50 {
                        let key = Key("n\(i * 4 + round % 4)")
                        batch.put(value("r\(round)-\(i)"), forKey: key, in: "notes")
                        expected[key] = "r\(round)-\(i)"
                    }
                    // Remove a few written by the round before.
                    for i in stride(from: 0, to: 50, by: 10) where round > 0 {
                        let key = Key("n\(i * 4 + (round - 1) % 4)")
                        batch.remove(key, in: "notes")
                        expected[key] = nil
                    }
                    try engine.write(batch)
                    try engine.flush()
                }
                #expect(try engine.segmentCount(in: "notes") == 4)
                try check(engine, expected)
                try engine.compact("notes")
                #expect(try engine.segmentCount(in: "notes") == 1)
                try check(engine, expected)
                try engine.close()
            }
            let engine = try StorageEngine.open(directory: dir, options: tableOptions(clock))
            try check(engine, expected)
            try engine.close()
        }
    }

    private func check(_ engine: StorageEngine, _ expected: [Key: String]) throws {
        let snapshot = engine.snapshot()
        for (key, text) in expected { #expect(try snapshot.record(key, in: "notes")?.value == value(text)) }
        var scanned: [Key] = []
        try snapshot.scan("notes") { record in
            scanned.append(record.key)
            return true
        }
        #expect(scanned == expected.keys.sorted())
        let prefixed = try snapshot.records(in: "notes", prefix: "n1", limit: 5).map(\.key)
        #expect(prefixed == Array(expected.keys.filter { $0.description.hasPrefix("n1") }.sorted().prefix(5)))
    }

    @Test func expiredRecordsVanishForReadersAndDoNotResurrectOlderValues() throws {
        let clock = TestWallClock()
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: tableOptions(clock))
            try engine.createTable(TableDefinition(name: "cache"))
            var batch = WriteBatch()
            batch.put(value("old"), forKey: "a", in: "cache")
            try engine.write(batch)
            try engine.flush()
            batch = WriteBatch()
            batch.put(value("new"), forKey: "a", expiresAt: clock.read() + 1_000, in: "cache")
            batch.put(value("b"), forKey: "b", expiresAt: clock.read() + 5_000, in: "cache")
            try engine.write(batch)
            #expect(try engine.record("a", in: "cache")?.value == value("new"))
            #expect(try engine.record("a", in: "cache")?.expiresAt == clock.read() + 1_000)
            clock.advance(milliseconds: 1_000)
            #expect(try engine.record("a", in: "cache") == nil, "expiry is exact at the deadline")
            #expect(try engine.record("b", in: "cache") != nil)
            try engine.flush()  // the expired value is written as a removal
            #expect(try engine.record("a", in: "cache") == nil)
            try engine.compact("cache")
            #expect(try engine.record("a", in: "cache") == nil)
            try engine.close()
            let reopened = try StorageEngine.open(directory: dir, options: tableOptions(clock))
            #expect(try reopened.record("a", in: "cache") == nil)
            #expect(try reopened.record("b", in: "cache")?.value == value("b"))
            clock.advance(milliseconds: 10_000)
            #expect(try reopened.record("b", in: "cache") == nil)
            try reopened.close()
        }
    }

    @Test func binaryKeysWithZeroBytesAndTheEmptyKeyWork() throws {
        let clock = TestWallClock()
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: tableOptions(clock))
            try engine.createTable(TableDefinition(name: "t"))
            let keys: [Key] = [Key([]), Key([0]), Key([0, 0]), Key([0xFF, 0x00, 0x80]), "plain"]
            var batch = WriteBatch()
            for (i, key) in keys.enumerated() { batch.put([UInt8(i)], forKey: key, in: "t") }
            try engine.write(batch)
            for step in 0..<2 {
                for (i, key) in keys.enumerated() { #expect(try engine.record(key, in: "t")?.value == [UInt8(i)]) }
                var order: [Key] = []
                try engine.snapshot().scan("t") { order.append($0.key); return true }
                #expect(order == keys.sorted())
                if step == 0 { try engine.flush() }
            }
            try engine.close()
        }
    }

    @Test func schemaErrorsAreTypedAndChangeNothing() throws {
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            try engine.createTable(TableDefinition(name: "t"))
            #expect { try engine.createTable(TableDefinition(name: "t")) } throws: { ($0 as? EngineError)?.code == .alreadyExists }
            #expect { try engine.createCollection(CollectionDefinition(name: "t", dimension: 2, metric: .l2)) } throws: {
                ($0 as? EngineError)?.code == .alreadyExists
            }
            var batch = WriteBatch()
            batch.put([1], forKey: "a", in: "t")
            batch.put([1], forKey: "a", in: "missing")
            #expect { try engine.write(batch) } throws: { ($0 as? EngineError)?.code == .notFound }
            #expect(try engine.record("a", in: "t") == nil, "a failed batch writes nothing")
            var expiry = WriteBatch()
            expiry.put([1], forKey: "a", expiresAt: -5, in: "t")
            #expect { try engine.write(expiry) } throws: { ($0 as? EngineError)?.code == .invalidArgument }
            try engine.close()
        }
    }
}
