import QuiverKernels
import QuiverTestSupport
import Testing

@testable import QuiverIndex

/// An image copied out of an index into owned, page-aligned buffers, as a segment file holds it.
final class CopiedImage {
    let header: UnsafeMutableRawBufferPointer
    var parts: [HNSWImagePart: UnsafeMutableRawBufferPointer] = [:]

    /// Copies the image of `index`, renumbered by `order` (`order[newID] = oldID`) when given.
    init(_ index: HNSWIndex, renumberedBy order: [UInt32]? = nil) throws {
        var header: [UInt8] = []
        var parts: [HNSWImagePart: UnsafeMutableRawBufferPointer] = [:]
        let copy = { (image: HNSWImage) in
            header = image.header
            for (part, length) in image.partLengths {
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(length, 1), alignment: 4096)
                var offset = 0
                image.forEachRun(of: part) { run in
                    (buffer.baseAddress! + offset).copyMemory(from: run.baseAddress!, byteCount: run.count)
                    offset += run.count
                }
                #expect(offset == length)
                parts[part] = UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: length)
            }
        }
        if let order { try index.withImage(renumberedBy: order, copy) } else { try index.withImage(copy) }
        self.header = .allocate(byteCount: header.count, alignment: 8)
        self.header.copyBytes(from: header)
        self.parts = parts
    }

    deinit {
        header.deallocate()
        for part in parts.values { part.deallocate() }
    }

    func open() throws(IndexError) -> HNSWIndex {
        try HNSWIndex(header: UnsafeRawBufferPointer(header), parts: parts.mapValues { UnsafeRawBufferPointer($0) })
    }

    /// The header and every part's bytes, for byte-for-byte comparisons.
    var bytes: (header: [UInt8], parts: [HNSWImagePart: [UInt8]]) {
        (Array(header), parts.mapValues { Array($0) })
    }
}

@Suite struct HNSWIndexImageTests {
    static let data = ClusteredDataset(count: 5000, queryCount: 40, dimension: 16, clusters: 12, seed: 5)

    private func build(encoding: VectorEncoding = .f32, removing removed: Int = 0) throws -> HNSWIndex {
        var configuration = HNSWConfiguration(dimension: Self.data.dimension, metric: .l2)
        configuration.m = 8
        configuration.efConstruction = 60
        configuration.encoding = encoding
        configuration.purgeRatio = 1
        let index = try HNSWIndex(configuration)
        _ = try Self.data.train.withUnsafeBufferPointer { try index.add(contentsOf: $0, threads: 1) }
        for id in 0..<UInt32(removed) { try index.remove(id * 7) }
        return index
    }

    private func results(_ index: HNSWIndex) throws -> [[SearchResult]] {
        try (0..<Self.data.queryCount).map { try index.search(Array(Self.data.query($0)), k: 10, ef: 48) }
    }

    @Test(arguments: [VectorEncoding.f32, .i8])
    func openedImageSearchesExactlyLikeTheOriginal(encoding: VectorEncoding) throws {
        let index = try build(encoding: encoding, removing: 100)
        let image = try CopiedImage(index)
        let opened = try image.open()
        #expect(opened.count == index.count)
        #expect(try results(opened) == results(index))
        #expect(try opened.vector(3) == index.vector(3))
        #expect(!opened.contains(7) && opened.contains(8))
        try opened.checkInvariants()
    }

    @Test func openedImageRefusesChanges() throws {
        let image = try CopiedImage(try build())
        let opened = try image.open()
        #expect(throws: IndexError.self) { try opened.add([Float](repeating: 0, count: Self.data.dimension)) }
        #expect(throws: IndexError.self) { try opened.remove(1) }
        opened.purgeDeleted()
        #expect(opened.count == Self.data.count)
    }

    @Test func thawedCopyTakesWritesAndKeepsRecall() throws {
        let image = try CopiedImage(try build(removing: 50))
        let thawed = try image.open().thawed()
        thawed.purgeDeleted()
        let ids = try Self.data.queries.withUnsafeBufferPointer { try thawed.add(contentsOf: $0, threads: 1) }
        #expect(ids.count == Self.data.queryCount)
        #expect(ids.allSatisfy { $0 % 7 == 0 && $0 < 350 })  // purged ids come back first
        try thawed.checkInvariants()
        for (q, id) in ids.enumerated() {
            #expect(try thawed.search(Array(Self.data.query(q)), k: 1).first?.id == id)
        }
    }

    @Test func malformedHeadersAreRefused() throws {
        let image = try CopiedImage(try build())
        let good = Array(image.header)
        func open(_ header: [UInt8], parts: [HNSWImagePart: UnsafeMutableRawBufferPointer]? = nil) throws(IndexError) {
            let p = (parts ?? image.parts).mapValues { UnsafeRawBufferPointer($0) }
            let result: Result<HNSWIndex, IndexError> = header.withUnsafeBytes { bytes in
                Result { () throws(IndexError) in try HNSWIndex(header: bytes, parts: p) }
            }
            _ = try result.get()
        }
        var bad = good
        bad[0] = 9  // version
        #expect(throws: IndexError.self) { try open(bad) }
        #expect(throws: IndexError.self) { try open(Array(good.prefix(50))) }
        bad = good
        bad[8] = 7  // metric
        #expect(throws: IndexError.self) { try open(bad) }
        bad = good
        bad[40] = 1  // slot count past 2^32
        #expect(throws: IndexError.self) { try open(bad) }
        bad = good
        bad[44] = 0xFF  // block count beyond the upper part
        #expect(throws: IndexError.self) { try open(bad) }
        var short = image.parts
        short[.vectors] = UnsafeMutableRawBufferPointer(rebasing: image.parts[.vectors]![0..<100])
        #expect(throws: IndexError.self) { try open(good, parts: short) }
        short[.vectors] = nil
        #expect(throws: IndexError.self) { try open(good, parts: short) }
    }

    @Test func damagedGraphNeverReadsOutOfBounds() throws {
        let index = try build(removing: 20)
        var generator = SeededGenerator(seed: 99)
        for round in 0..<20 {
            let image = try CopiedImage(index)
            for part in [HNSWImagePart.nodes, .upper] {
                let bytes = image.parts[part]!
                for _ in 0..<(round + 1) * 50 {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            guard let opened = try? image.open() else { continue }
            for q in 0..<5 { _ = try opened.search(Array(Self.data.query(q)), k: 10, ef: 32) }
            for id in stride(from: UInt32(0), to: 5000, by: 97) where opened.contains(id) { _ = try opened.vector(id) }
        }
    }
}
