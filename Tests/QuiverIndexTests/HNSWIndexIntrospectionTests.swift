import QuiverKernels
import QuiverTestSupport
import Synchronization
import Testing

@testable import QuiverIndex

@Suite struct HNSWIndexIntrospectionTests {
    static let data = ClusteredDataset(count: 2500, queryCount: 1, dimension: 12, clusters: 10, seed: 41)

    private func build(purgeRatio: Double = 1) throws -> HNSWIndex {
        var configuration = HNSWConfiguration(dimension: Self.data.dimension, metric: .l2)
        configuration.m = 6
        configuration.efConstruction = 40
        configuration.purgeRatio = purgeRatio
        let index = try HNSWIndex(configuration)
        _ = try Self.data.train.withUnsafeBufferPointer { try index.add(contentsOf: $0, threads: 1) }
        return index
    }

    /// The stored list of `id` on `level`, deleted entries included.
    private func stored(_ index: HNSWIndex, _ id: UInt32, level: Int) -> [UInt32] {
        let list = index.links(id, level: level)
        return (0..<Int(list[0])).map { list[1 + $0] }
    }

    /// Checks every id's level and lists against the stored graph, leaving out non-live entries.
    private func expectMatchesStoredGraph(_ index: HNSWIndex) throws {
        var top = -1
        for id in 0..<UInt32(index.slotCount) {
            guard index.contains(id) else {
                #expect(index.level(of: id) == nil)
                #expect(index.neighbors(of: id).isEmpty)
                continue
            }
            let level = try #require(index.level(of: id))
            #expect(level == index.storedLevel(of: id))
            top = max(top, level)
            let lists = index.neighbors(of: id)
            #expect(lists.count == level + 1)
            for (i, list) in lists.enumerated() {
                let l = level - i
                #expect(list == stored(index, id, level: l).filter { index.contains($0) })
                #expect(list.allSatisfy { index.level(of: $0)! >= l && $0 != id })
            }
        }
        #expect(index.maxLevel == top)
        let entry = try #require(index.entryPoint)
        #expect(index.storedLevel(of: entry) == index.maxLevel)
    }

    @Test func levelsAndListsAreTheStoredGraph() throws {
        let index = try build()
        try expectMatchesStoredGraph(index)
        #expect((0..<UInt32(index.slotCount)).contains { index.level(of: $0)! >= 2 }, "the graph has upper layers")
        #expect(index.level(of: UInt32(index.slotCount)) == nil)
        #expect(index.neighbors(of: .max).isEmpty)
    }

    @Test func deletedNodesAndNeighboursAreLeftOut() throws {
        let index = try build()
        let entry = try #require(index.entryPoint)
        let top = index.maxLevel
        try index.remove(entry)
        for id in stride(from: UInt32(0), to: 2500, by: 4) where id != entry { try index.remove(id) }
        // Until the purge the deleted entry point still guides searches, and is still reported.
        #expect(index.entryPoint == entry && index.maxLevel == top)
        #expect(index.level(of: entry) == nil && index.neighbors(of: entry).isEmpty)
        let named = (0..<UInt32(2500)).flatMap { stored(index, $0, level: 0) }
        #expect(named.contains { !index.contains($0) }, "deleted nodes are still linked")
        for id in 0..<UInt32(2500) where index.contains(id) {
            #expect(index.neighbors(of: id).allSatisfy { $0.allSatisfy(index.contains) })
        }
        index.purgeDeleted()
        #expect(index.entryPoint != entry)
        try expectMatchesStoredGraph(index)
    }

    @Test func emptyIndexHasNoEntryPoint() throws {
        let index = try HNSWIndex(HNSWConfiguration(dimension: 3, metric: .cosine))
        #expect(index.maxLevel == nil && index.entryPoint == nil)
        #expect(index.level(of: 0) == nil && index.neighbors(of: 0).isEmpty)
        let id = try index.add([1, 2, 3])
        #expect(index.entryPoint == id && index.maxLevel == index.level(of: id))
        #expect(index.neighbors(of: id) == Array(repeating: [], count: index.level(of: id)! + 1))
        try index.remove(id)
        index.purgeDeleted()
        #expect(index.maxLevel == nil && index.entryPoint == nil && index.level(of: id) == nil)
    }

    /// Introspection reads lists the way searches do, so it runs beside inserts, deletes and purges
    /// (run under ThreadSanitizer in CI) and only ever reports allocated, live-at-the-time ids.
    @Test func introspectionRunsDuringWrites() throws {
        var configuration = HNSWConfiguration(dimension: Self.data.dimension, metric: .l2)
        configuration.m = 6
        configuration.efConstruction = 40
        configuration.purgeRatio = 0.2
        let index = try HNSWIndex(configuration)
        let finished = Atomic<Bool>(false)
        let reads = Atomic<Int>(0)
        let bad = Atomic<Int>(0)
        let reader = TestThread {
            var id: UInt32 = 0
            while !finished.load(ordering: .acquiring) {
                let slots = UInt32(index.slotCount)
                guard slots > 0 else { continue }
                id = (id &+ 7919) % slots
                let lists = index.neighbors(of: id)
                if let top = index.maxLevel, let entry = index.entryPoint, Int(entry) >= index.slotCount || top > 31 {
                    bad.wrappingAdd(1, ordering: .relaxed)
                }
                let limit = UInt32(index.slotCount)
                if lists.count > 32 || lists.contains(where: { $0.count > 12 || $0.contains { $0 >= limit } }) {
                    bad.wrappingAdd(1, ordering: .relaxed)
                }
                _ = index.level(of: id)
                reads.wrappingAdd(1, ordering: .relaxed)
            }
        }
        try Self.data.train.withUnsafeBufferPointer { rows in
            let half = rows.count / 2
            _ = try index.add(contentsOf: UnsafeBufferPointer(rebasing: rows[..<half]), threads: 2)
            for id in stride(from: UInt32(0), to: 1250, by: 3) { try index.remove(id) }
            _ = try index.add(contentsOf: UnsafeBufferPointer(rebasing: rows[half...]), threads: 2)
        }
        index.purgeDeleted(threads: 2)
        finished.store(true, ordering: .releasing)
        reader.join()
        #expect(reads.load(ordering: .relaxed) > 0)
        #expect(bad.load(ordering: .relaxed) == 0)
        try index.checkInvariants()
        try expectMatchesStoredGraph(index)
    }
}
