import QuiverEngine
import QuiverTestSupport
import Testing

@testable import QuiverEngine

@Suite struct WriteBatchTests {
    /// A batch that interleaves puts into two tables with other operations.
    private func mixed() -> (batch: WriteBatch, operations: [WriteBatch.Operation]) {
        let operations: [WriteBatch.Operation] = [
            .put(table: "a", key: "k1", value: [1], expiresAt: nil),
            .put(table: "a", key: "k2", value: [2], expiresAt: 1_700_000_000_000),
            .put(table: "b", key: "k1", value: [3], expiresAt: nil),
            .remove(table: "a", key: "k1"),
            .put(table: "a", key: "k1", value: [4], expiresAt: nil),
            .delete(collection: "docs", key: "x"),
            .put(table: "a", key: "k3", value: [], expiresAt: nil),
        ]
        var batch = WriteBatch()
        for operation in operations { batch.append(operation) }
        return (batch, operations)
    }

    @Test func putsKeepTheirOrderAmongOtherOperations() {
        let (batch, operations) = mixed()
        #expect(batch.operations == operations)
        #expect(batch.count == operations.count)
        // Consecutive puts into one table share a run: a, b, (remove), a, (delete), a.
        #expect(batch.runs.map(\.table) == ["a", "b", "a", "a"])
        #expect(batch.runs[0].keys == ["k1", "k2"])
    }

    @Test func theConvenienceAndTheOperationFormsBuildEqualBatches() {
        var viaPut = WriteBatch()
        viaPut.put([1], forKey: "k", expiresAt: 5, in: "t")
        viaPut.put([2], forKey: "l", in: "t")
        var viaAppend = WriteBatch()
        viaAppend.append(.put(table: "t", key: "k", value: [1], expiresAt: 5))
        viaAppend.append(.put(table: "t", key: "l", value: [2], expiresAt: nil))
        #expect(viaPut == viaAppend)
        #expect(viaPut.hashValue == viaAppend.hashValue)
    }

    @Test func encodingRoundTripsRunsAndSingles() throws {
        let (batch, operations) = mixed()
        let decoded = try WriteBatch(encoded: batch.encoded)
        #expect(decoded == batch)
        #expect(decoded.operations == operations)
    }

    @Test func anExpiryThatIsNotPositiveStaysInvalid() {
        for expiry: Int64 in [0, -5, .min] {
            var batch = WriteBatch()
            batch.put([1], forKey: "k", expiresAt: expiry, in: "t")
            guard case .put(_, _, _, let kept?) = batch.operations[0] else {
                Issue.record("expiry \(expiry) was dropped")
                continue
            }
            #expect(kept <= 0, "expiry \(expiry) must not turn into \"never\"")
        }
    }

    @Test func aRunIsValidatedWholeAgainstTheEngine() throws {
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions())
            try engine.createTable(TableDefinition(name: "t"))
            for expiry: Int64 in [0, -1] {
                var batch = WriteBatch()
                batch.put([1], forKey: "fine", in: "t")
                batch.put([2], forKey: "bad", expiresAt: expiry, in: "t")
                #expect { try engine.write(batch) } throws: { ($0 as? EngineError)?.code == .invalidArgument }
            }
            var tooLong = WriteBatch()
            tooLong.put([1], forKey: "fine", in: "t")
            tooLong.put([1], forKey: Key([UInt8](repeating: 7, count: 70_000)), in: "t")
            #expect { try engine.write(tooLong) } throws: { ($0 as? EngineError)?.code == .invalidArgument }
            #expect(try engine.record("fine", in: "t") == nil, "a refused run writes nothing")
            var good = WriteBatch()
            for i in 0..<100 { good.put([UInt8(i)], forKey: Key("k\(i)"), in: "t") }
            try engine.write(good)
            #expect(try engine.record("k42", in: "t")?.value == [42])
            try engine.close()
        }
    }
}
