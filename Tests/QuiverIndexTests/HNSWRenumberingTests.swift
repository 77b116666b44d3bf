import QuiverKernels
import QuiverTestSupport
import Testing

@testable import QuiverIndex

@Suite struct HNSWRenumberingTests {
    /// An index with every slot state: live, deleted (unpurged), free (purged), and ids reused
    /// after a purge (so upper-layer blocks are no longer in id order).
    static func build(_ shape: IndexShape, count: Int = 3000) throws -> (HNSWIndex, ClusteredDataset) {
        let data = ClusteredDataset(
            count: count, queryCount: 30, dimension: shape.dimension, clusters: 12, metric: shape.metric, seed: 21)
        var configuration = HNSWConfiguration(dimension: shape.dimension, metric: shape.metric)
        configuration.m = 8
        configuration.efConstruction = 60
        configuration.encoding = shape.encoding
        configuration.rerank = shape.rerank
        configuration.purgeRatio = 1
        let index = try HNSWIndex(configuration)
        _ = try data.train.withUnsafeBufferPointer { try index.add(contentsOf: $0, threads: 1) }
        for id in stride(from: UInt32(0), to: UInt32(count), by: 11) { try index.remove(id) }
        index.purgeDeleted()
        let extra = ClusteredDataset(
            count: count / 25, queryCount: 1, dimension: shape.dimension, metric: shape.metric, seed: 77)
        _ = try extra.train.withUnsafeBufferPointer { try index.add(contentsOf: $0, threads: 1) }
        for id in stride(from: UInt32(1), to: UInt32(count), by: 13) where index.contains(id) { try index.remove(id) }
        #expect(index.deletedPendingPurge > 0)
        #expect((0..<UInt32(index.slotCount)).contains { index.state(of: $0) == .free })
        return (index, data)
    }

    static func randomOrder(_ count: Int, seed: UInt64) -> [UInt32] {
        var generator = SeededGenerator(seed: seed)
        var order = (0..<UInt32(count)).map { $0 }
        order.shuffle(using: &generator)
        return order
    }

    static func inverse(_ order: [UInt32]) -> [UInt32] {
        var inverse = [UInt32](repeating: 0, count: order.count)
        for (new, old) in order.enumerated() { inverse[Int(old)] = UInt32(new) }
        return inverse
    }

    /// The stored list of `id` on `level`, as ids.
    static func list(_ index: HNSWIndex, _ id: UInt32, level: Int) -> [UInt32] {
        let list = index.links(id, level: level)
        return (0..<Int(list[0])).map { list[1 + $0] }
    }

    @Test(arguments: IndexShape.all)
    func identityGivesTheBytesOfThePlainImage(shape: IndexShape) throws {
        let (index, _) = try Self.build(shape)
        let plain = try CopiedImage(index).bytes
        let identity = try CopiedImage(index, renumberedBy: (0..<UInt32(index.slotCount)).map { $0 }).bytes
        #expect(identity.header == plain.header)
        #expect(identity.parts.keys.sorted { "\($0)" < "\($1)" } == plain.parts.keys.sorted { "\($0)" < "\($1)" })
        for (part, bytes) in plain.parts { #expect(identity.parts[part] == bytes, "part \(part)") }
    }

    /// Mapped back, a renumbered image is the original graph with its ids permuted: same slot
    /// states, levels, vectors and lists, the same search results with ids translated, and
    /// distances equal to the last bit.
    @Test(arguments: IndexShape.all)
    func renumberedImageIsThePermutedIndex(shape: IndexShape) throws {
        let (index, data) = try Self.build(shape)
        let order = Self.randomOrder(index.slotCount, seed: 5)
        let inverse = Self.inverse(order)
        let image = try CopiedImage(index, renumberedBy: order)
        let opened = try image.open()
        try opened.checkInvariants()
        #expect(opened.slotCount == index.slotCount)
        #expect(opened.count == index.count)
        #expect(opened.deletedPendingPurge == index.deletedPendingPurge)
        #expect(opened.entryPoint == index.entryPoint.map { inverse[Int($0)] })
        #expect(opened.maxLevel == index.maxLevel)

        for new in 0..<UInt32(order.count) {
            let old = order[Int(new)]
            #expect(opened.state(of: new) == index.state(of: old))
            guard index.state(of: old) != .free else { continue }
            #expect(opened.storedLevel(of: new) == index.storedLevel(of: old))
            for l in 0...index.storedLevel(of: old) {
                #expect(Self.list(opened, new, level: l) == Self.list(index, old, level: l).map { inverse[Int($0)] })
            }
            guard index.contains(old) else { continue }
            #expect(try opened.vector(new) == index.vector(old))
            #expect(opened.neighbors(of: new) == index.neighbors(of: old).map { $0.map { inverse[Int($0)] } })
        }

        for q in 0..<data.queryCount {
            let query = Array(data.query(q))
            let expected = try index.search(query, k: 10, ef: 48)
            let found = try opened.search(query, k: 10, ef: 48)
            #expect(found.map { SearchResult(id: order[Int($0.id)], distance: $0.distance) } == expected)
        }
    }

    /// A thawed renumbered image takes deletes, a purge (of the deleted nodes it inherited too)
    /// and inserts into the freed slots, and keeps its invariants and its recall.
    @Test(arguments: IndexShape.all)
    func thawedRenumberedImageTakesWrites(shape: IndexShape) throws {
        let (index, data) = try Self.build(shape)
        let order = Self.randomOrder(index.slotCount, seed: 9)
        let inverse = Self.inverse(order)
        let image = try CopiedImage(index, renumberedBy: order)
        let thawed = try image.open().thawed()
        try thawed.checkInvariants()
        #expect(thawed.count == index.count)
        let inherited = (0..<UInt32(index.slotCount)).filter { index.state(of: $0) == .deleted }.map {
            inverse[Int($0)]
        }
        #expect(inherited.allSatisfy { thawed.state(of: $0) == .deleted })

        var doomed: [UInt32] = []
        for old in stride(from: UInt32(2), to: UInt32(index.slotCount), by: 17) where index.contains(old) {
            doomed.append(inverse[Int(old)])
        }
        for id in doomed { try thawed.remove(id) }
        thawed.purgeDeleted()
        try thawed.checkInvariants()
        #expect(thawed.deletedPendingPurge == 0)
        #expect((inherited + doomed).allSatisfy { thawed.state(of: $0) == .free })
        let freed = Set((0..<UInt32(thawed.slotCount)).filter { thawed.state(of: $0) == .free })

        let extra = ClusteredDataset(
            count: 200, queryCount: 1, dimension: shape.dimension, metric: shape.metric, seed: 31)
        let ids = try extra.train.withUnsafeBufferPointer { try thawed.add(contentsOf: $0, threads: 2) }
        #expect(Set(ids).isSubset(of: freed), "inserts reuse the freed slots")
        try thawed.checkInvariants()
        #expect(thawed.count == index.count - doomed.count + 200)

        // Exact top 10 over the live ids, by the index's own distances; ties count as hits.
        var hits = 0
        for q in 0..<data.queryCount {
            let query = Array(data.query(q))
            var exact: [Float] = []
            for id in 0..<UInt32(thawed.slotCount) where thawed.contains(id) {
                exact.append(try #require(try thawed.distance(from: query, to: id)))
            }
            exact.sort()
            let found = try thawed.search(query, k: 10, ef: 200)
            hits += found.filter { $0.distance <= exact[9] }.count
        }
        let recall = Double(hits) / Double(10 * data.queryCount)
        #expect(recall >= 0.9, "recall \(recall)")
    }

    /// Renumbering by the inverse of the permutation an image was made with gives the original
    /// image back, byte for byte: translation is exact, and read-only mapped indexes renumber too.
    @Test(arguments: [IndexShape.all[0], IndexShape.all[4]])
    func renumberingBackRestoresTheOriginalBytes(shape: IndexShape) throws {
        let (index, _) = try Self.build(shape)
        let order = Self.randomOrder(index.slotCount, seed: 13)
        let renumbered = try CopiedImage(index, renumberedBy: order)
        let back = try CopiedImage(try renumbered.open(), renumberedBy: Self.inverse(order)).bytes
        let original = try CopiedImage(index).bytes
        #expect(back.header == original.header)
        for (part, bytes) in original.parts { #expect(back.parts[part] == bytes, "part \(part)") }
    }

    /// Runs of any size concatenate to the same image: a scratch buffer of a few slots (runs that
    /// end mid-chunk and hold an odd number of slots) gives the bytes of the default one.
    @Test func smallRunsGiveTheSameBytes() throws {
        let (index, _) = try Self.build(IndexShape.all[4], count: 6000)
        let order = Self.randomOrder(index.slotCount, seed: 17)
        let expected = try CopiedImage(index, renumberedBy: order).bytes
        let blocks = index.allocation.withLock { $0.nextBlock }
        for runBytes in [1, 1000, 70_001] {
            let renumbering = try HNSWRenumbering(order: order, count: index.slotCount, runBytes: runBytes)
            for part in HNSWImagePart.allCases {
                var bytes: [UInt8] = []
                var runs = 0
                renumbering.forEachRun(of: part, index: index, slotCount: index.slotCount, blockCount: blocks) { run in
                    bytes += run
                    runs += 1
                }
                #expect(bytes == expected.parts[part] ?? [], "part \(part), \(runBytes)-byte runs")
                if part != .upper && runBytes == 1 { #expect(runs == index.slotCount) }
            }
        }
    }

    @Test func ordersThatAreNotPermutationsAreRefused() throws {
        let (index, _) = try Self.build(IndexShape.all[0], count: 500)
        let n = UInt32(index.slotCount)
        var identity = (0..<n).map { $0 }
        func replacing(_ i: Int, with id: UInt32) -> [UInt32] {
            var order = identity
            order[i] = id
            return order
        }
        let bad: [[UInt32]] = [
            Array(identity.dropLast()), identity + [n], replacing(3, with: n), replacing(3, with: 5),
            replacing(0, with: .max), [],
        ]
        for order in bad {
            var called = false
            #expect(throws: IndexError.self) { try index.withImage(renumberedBy: order) { _ in called = true } }
            #expect(!called)
        }
        identity.swapAt(0, Int(n) - 1)
        let header = try index.withImage(renumberedBy: identity) { $0.header }
        #expect(header.count == HNSWImageHeader.byteCount)
    }

    @Test func emptyIndexRenumbersToAnEmptyImage() throws {
        let index = try HNSWIndex(HNSWConfiguration(dimension: 4, metric: .l2))
        let image = try CopiedImage(index, renumberedBy: [])
        #expect(image.bytes.header == (try CopiedImage(index)).bytes.header)
        let opened = try image.open()
        #expect(opened.count == 0 && opened.entryPoint == nil && opened.maxLevel == nil)
        #expect(try opened.search([1, 2, 3, 4], k: 3).isEmpty)
    }
}
