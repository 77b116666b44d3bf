import QuiverKernels
import QuiverTestSupport
import Synchronization
import Testing

@testable import QuiverIndex

/// Builds an index over `data` and returns it with the ids in row order.
private func build(
    _ data: ClusteredDataset, m: Int = 12, efConstruction: Int = 80, encoding: VectorEncoding = .f32, threads: Int = 1,
    seed: UInt64 = 7
) throws -> HNSWIndex {
    var configuration = HNSWConfiguration(dimension: data.dimension, metric: data.metric)
    configuration.m = m
    configuration.efConstruction = efConstruction
    configuration.encoding = encoding
    configuration.seed = seed
    let index = try HNSWIndex(configuration)
    let ids = try data.train.withUnsafeBufferPointer { try index.add(contentsOf: $0, threads: threads) }
    #expect(ids == (0..<UInt32(data.count)).map { $0 })
    return index
}

/// The live nodes a breadth-first walk of layer 0 from the entry point never visits.
private func unreachableCount(_ index: HNSWIndex) -> Int {
    guard let entry = index.entryPoint else { return 0 }
    var seen: Set<UInt32> = [entry]
    var queue = [entry]
    while let id = queue.popLast() {
        for other in index.neighbors(of: id).last ?? [] where seen.insert(other).inserted { queue.append(other) }
    }
    return index.count - seen.count
}

private func searchAll(_ index: HNSWIndex, _ data: ClusteredDataset, k: Int = 10, ef: Int) throws -> [[UInt32]] {
    try (0..<data.queryCount).map { q in try index.search(Array(data.query(q)), k: k, ef: ef).map(\.id) }
}

@Suite struct HNSWIndexTests {
    static let data = ClusteredDataset(count: 3000, queryCount: 60, dimension: 24, clusters: 24, seed: 11)

    @Test(arguments: [Metric.l2, .cosine, .innerProduct])
    func recallIsHighOnClusteredData(metric: Metric) throws {
        let data = ClusteredDataset(count: 2000, queryCount: 50, dimension: 16, clusters: 16, metric: metric, seed: 3)
        let index = try build(data)
        let truth = data.groundTruth(k: 10)
        let found = try searchAll(index, data, ef: 64)
        #expect(recall(found: found, truth: truth, k: 10) >= 0.95)
        #expect(index.count == data.count)
    }

    @Test func resultsAreSortedWithExactDistances() throws {
        let data = Self.data
        let index = try build(data)
        let query = Array(data.query(0))
        let results = try index.search(query, k: 10, ef: 50)
        #expect(results.count == 10)
        #expect(zip(results, results.dropFirst()).allSatisfy { $0.distance <= $1.distance })
        let vector = try index.vector(results[0].id)
        let exact = zip(query, vector).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        #expect(abs(exact - results[0].distance) <= 1e-3 * max(1, exact))
    }

    @Test func singleThreadBuildIsDeterministic() throws {
        let data = ClusteredDataset(count: 800, queryCount: 10, dimension: 8, seed: 5)
        let a = try build(data)
        let b = try build(data)
        for id in 0..<UInt32(data.count) {
            #expect(a.storedLevel(of: id) == b.storedLevel(of: id))
            for l in 0...a.storedLevel(of: id) {
                let la = a.links(id, level: l)
                let lb = b.links(id, level: l)
                #expect(Array(UnsafeBufferPointer(start: la, count: Int(la[0]) + 1)) == Array(UnsafeBufferPointer(start: lb, count: Int(lb[0]) + 1)))
            }
        }
        let c = try build(data, seed: 8)
        let differs = (0..<UInt32(data.count)).contains { a.storedLevel(of: $0) != c.storedLevel(of: $0) }
        #expect(differs, "another seed draws other levels")
    }

    @Test func parallelBuildKeepsRecall() throws {
        let data = Self.data
        let index = try build(data, threads: 4)
        let found = try searchAll(index, data, ef: 64)
        #expect(recall(found: found, truth: data.groundTruth(k: 10), k: 10) >= 0.95)
        try index.checkInvariants()
    }

    /// A concurrent insert can reach a new node through an upper layer before that node has
    /// written its own lower-layer lists; the links others add meanwhile must survive, or nodes
    /// fall out of the bottom layer's reach (seen as recall stuck below 1 on tiny sets).
    /// Pruning alone can strand a rare node in a serial build too, so the parallel builds are held
    /// to the serial builds' count plus a small allowance (before the fix: about 60 over 150).
    @Test func tinyParallelBuildsLeaveEveryNodeReachable() throws {
        var parallel = 0, serial = 0
        for round in 0..<150 {
            let data = ClusteredDataset(count: 64, queryCount: 1, dimension: 8, clusters: 4, seed: UInt64(round))
            let index = try build(data, m: 8, efConstruction: 40, threads: 4, seed: UInt64(round))
            parallel += unreachableCount(index)
            try index.checkInvariants()
            serial += unreachableCount(try build(data, m: 8, efConstruction: 40, threads: 1, seed: UInt64(round)))
        }
        #expect(parallel <= serial + 3, "\(parallel) nodes unreachable on layer 0 over 150 parallel builds, \(serial) serial")
    }

    @Test func filteredSearchAtOnePercent() throws {
        let data = Self.data
        let index = try build(data)
        let accept: (UInt32) -> Bool = { $0 % 100 == 7 }
        let truth = data.groundTruth(k: 10, include: accept)
        let found = try (0..<data.queryCount).map { q in
            try Array(data.query(q)).withUnsafeBufferPointer { try index.search($0, k: 10, ef: 64, filter: accept).map(\.id) }
        }
        #expect(found.allSatisfy { $0.allSatisfy(accept) })
        #expect(recall(found: found, truth: truth, k: 10) >= 0.9)
    }

    @Test(arguments: [2, 5])
    func filteredSearchAtWiderSelectivity(modulus: UInt32) throws {
        let data = Self.data
        let index = try build(data)
        let accept: (UInt32) -> Bool = { $0 % modulus == 0 }
        let truth = data.groundTruth(k: 10, include: accept)
        let found = try (0..<data.queryCount).map { q in
            try Array(data.query(q)).withUnsafeBufferPointer { try index.search($0, k: 10, ef: 64, filter: accept).map(\.id) }
        }
        #expect(found.allSatisfy { $0.allSatisfy(accept) })
        #expect(recall(found: found, truth: truth, k: 10) >= 0.9)
    }

    /// Deleting 30% (at random, or whole clusters) and purging keeps recall at the default ef within
    /// 0.02 of the recall before, and within 0.01 of a fresh build on the surviving vectors (which
    /// separates repair quality from queries that got harder because their neighbours are gone).
    @Test(arguments: [false, true])
    func deletesKeepRecall(wholeClusters: Bool) throws {
        let data = Self.data
        let index = try build(data)
        let before = recall(found: try searchAll(index, data, ef: 64), truth: data.groundTruth(k: 10), k: 10)

        var rng = SeededGenerator(seed: 99)
        var doomed = Set<UInt32>()
        let target = data.count * 3 / 10
        if wholeClusters {
            // The rows nearest to a few random train points: whole neighbourhoods disappear.
            while doomed.count < target {
                let centre = Int.random(in: 0..<data.count, using: &rng)
                let row = Array(data.train[centre * data.dimension..<(centre + 1) * data.dimension])
                let near = try index.search(row, k: 150, ef: 200).map(\.id)
                doomed.formUnion(near.prefix(target - doomed.count))
            }
        } else {
            while doomed.count < target { doomed.insert(UInt32.random(in: 0..<UInt32(data.count), using: &rng)) }
        }
        for id in doomed.sorted() { try index.remove(id) }
        index.purgeDeleted()
        #expect(index.count == data.count - doomed.count)
        #expect(index.deletedPendingPurge == 0)
        try index.checkInvariants()

        let truth = data.groundTruth(k: 10, include: { !doomed.contains($0) })
        let found = try searchAll(index, data, ef: 64)
        #expect(found.allSatisfy { $0.allSatisfy { !doomed.contains($0) } })
        let after = recall(found: found, truth: truth, k: 10)
        #expect(after >= before - 0.02, "recall \(before) -> \(after)")

        let survivors = (0..<data.count).filter { !doomed.contains(UInt32($0)) }
        let fresh = try HNSWIndex(index.configuration)
        let rows = survivors.flatMap { data.train[$0 * data.dimension..<($0 + 1) * data.dimension] }
        _ = try rows.withUnsafeBufferPointer { try fresh.add(contentsOf: $0, threads: 1) }
        let freshFound = try searchAll(fresh, data, ef: 64).map { $0.map { UInt32(survivors[Int($0)]) } }
        let freshRecall = recall(found: freshFound, truth: truth, k: 10)
        #expect(after >= freshRecall - 0.01, "repaired \(after), fresh build \(freshRecall)")
    }

    @Test func purgedSlotsAreReused() throws {
        let data = ClusteredDataset(count: 1000, queryCount: 5, dimension: 8, seed: 2)
        let index = try build(data)
        let memory = index.memoryUsage
        for id in 0..<UInt32(500) { try index.remove(id) }
        index.purgeDeleted()
        let ids = try data.train.withUnsafeBufferPointer { try index.add(contentsOf: UnsafeBufferPointer(rebasing: $0[0..<500 * 8]), threads: 2) }
        #expect(Set(ids) == Set(0..<UInt32(500)))
        // Vectors and records reuse their slots; upper-layer blocks are recycled by size, so at
        // most a few new ones appear when reused ids draw higher levels.
        #expect(index.memoryUsage.vectorBytes == memory.vectorBytes)
        #expect(index.memoryUsage.graphBytes <= memory.graphBytes + memory.graphBytes / 50)
        #expect(index.count == 1000)
        try index.checkInvariants()
        // Reused ids come back in free-list order: map them to rows before scoring.
        var rowOf = [UInt32: UInt32]()
        for (row, id) in ids.enumerated() { rowOf[id] = UInt32(row) }
        let found = try searchAll(index, data, ef: 64).map { $0.map { rowOf[$0] ?? $0 } }
        #expect(recall(found: found, truth: data.groundTruth(k: 10), k: 10) >= 0.95)
    }

    @Test func removeAndUpdateErrors() throws {
        let index = try build(ClusteredDataset(count: 50, queryCount: 1, dimension: 4, seed: 1))
        try index.remove(3)
        #expect(throws: IndexError.self) { try index.remove(3) }
        #expect(throws: IndexError.self) { try index.remove(5000) }
        #expect(!index.contains(3))
        let newID = try [Float](repeating: 0.5, count: 4).withUnsafeBufferPointer { try index.update(4, to: $0) }
        #expect(index.contains(newID) && !index.contains(4))
        #expect(try index.vector(newID) == [0.5, 0.5, 0.5, 0.5])
    }

    @Test func badArgumentsAreRejected() throws {
        let index = try HNSWIndex(HNSWConfiguration(dimension: 3, metric: .l2))
        #expect(try index.search([1, 2, 3], k: 5).isEmpty)
        do {
            try index.add([1, 2])
            Issue.record("expected a dimension error")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("2 dimensions"))
        }
        #expect(throws: IndexError.self) { try index.add([1, .nan, 3]) }
        #expect(throws: IndexError.self) { try index.add([1, .infinity, 3]) }
        #expect(throws: IndexError.self) { try index.search([1, 2, 3], k: 0) }
        #expect(throws: IndexError.self) { try index.search([1, 2, 3], k: 1, ef: 0) }
        #expect(index.count == 0)
        var bad = HNSWConfiguration(dimension: 0, metric: .l2)
        #expect(throws: IndexError.self) { try HNSWIndex(bad) }
        bad = HNSWConfiguration(dimension: 4, metric: .l2)
        bad.m = 1
        #expect(throws: IndexError.self) { try HNSWIndex(bad) }
        bad = HNSWConfiguration(dimension: 40_000, metric: .l2)
        bad.encoding = .i8
        #expect(throws: IndexError.self) { try HNSWIndex(bad) }
        bad.encoding = .f16
        #expect(throws: Never.self) { try HNSWIndex(bad) }
    }

    @Test(arguments: [VectorEncoding.f16, .i8])
    func quantizedWithRerankKeepsRecall(encoding: VectorEncoding) throws {
        let data = ClusteredDataset(count: 2000, queryCount: 40, dimension: 64, clusters: 20, metric: .cosine, seed: 4)
        let index = try build(data, encoding: encoding)
        let found = try searchAll(index, data, ef: 64)
        #expect(recall(found: found, truth: data.groundTruth(k: 10), k: 10) >= 0.95)
        let memory = index.memoryUsage
        let f32Bytes = data.count * data.dimension * 4
        #expect(Double(f32Bytes) / Double(memory.vectorBytes) >= (encoding == .i8 ? 3.5 : 1.9))
    }

    @Test func binaryWithRerankFindsNeighboursAtLargerEf() throws {
        let data = ClusteredDataset(count: 2000, queryCount: 40, dimension: 128, clusters: 20, metric: .cosine, seed: 6)
        let index = try build(data, encoding: .binary)
        let found = try searchAll(index, data, ef: 200)
        #expect(recall(found: found, truth: data.groundTruth(k: 10), k: 10) >= 0.8)
        #expect(index.memoryUsage.vectorBytes * 16 <= data.count * data.dimension * 4)
    }

    @Test func searchesRunDuringInserts() throws {
        let data = ClusteredDataset(count: 2000, queryCount: 20, dimension: 16, seed: 9)
        let index = try HNSWIndex(HNSWConfiguration(dimension: 16, metric: .l2))
        let searched = Atomic<Int>(0)
        let finished = Atomic<Bool>(false)
        let queries = data.queries
        let reader = TestThread {
            while !finished.load(ordering: .acquiring) {
                for q in 0..<20 {
                    let results = try! index.search(Array(queries[q * 16..<(q + 1) * 16]), k: 5, ef: 20)
                    precondition(results.allSatisfy { index.contains($0.id) || true })
                    searched.wrappingAdd(1, ordering: .relaxed)
                }
            }
        }
        _ = try data.train.withUnsafeBufferPointer { try index.add(contentsOf: $0, threads: 2) }
        for id in stride(from: UInt32(0), to: 600, by: 3) { try index.remove(id) }
        index.purgeDeleted(threads: 2)
        finished.store(true, ordering: .releasing)
        reader.join()
        #expect(searched.load(ordering: .relaxed) > 0)
        #expect(index.count == 1800)
        try index.checkInvariants()
    }
}

@Suite struct HNSWChurnTests {
    /// Repeated delete / purge / insert cycles must keep live vectors reachable: each one is found
    /// as its own nearest neighbour with a wide search.
    @Test func churnLeavesEveryLiveVectorReachable() throws {
        var configuration = HNSWConfiguration(dimension: 16, metric: .l2)
        configuration.m = 8
        configuration.efConstruction = 64
        configuration.seed = 3
        configuration.purgeRatio = 1
        let index = try HNSWIndex(configuration)
        var generator = SeededGenerator(seed: 3)
        func vector() -> [Float] { (0..<16).map { _ in generator.nextGaussian() } }
        var live: [UInt32: [Float]] = [:]
        for _ in 0..<1600 {
            let v = vector()
            live[try index.add(v)] = v
        }
        for _ in 0..<8 {
            for id in live.keys.sorted().shuffled(using: &generator).prefix(300) {
                try index.remove(id)
                live[id] = nil
            }
            index.purgeDeleted()
            for _ in 0..<300 {
                let v = vector()
                live[try index.add(v)] = v
            }
        }
        try index.checkInvariants()
        var unreachable = 0
        for (id, v) in live where try index.search(v, k: 1, ef: 400).first?.id != id { unreachable += 1 }
        // Purges relink nodes stranded by deletes; inserts after the last purge can still strand
        // a few (as in any HNSW build), so allow 0.5 %. Without the relink this was 9 of 1,600.
        print("churn: \(unreachable) of \(live.count) live vectors not found at ef 400")
        #expect(unreachable * 200 <= live.count, "\(unreachable) of \(live.count) live vectors are not found")
    }
}
