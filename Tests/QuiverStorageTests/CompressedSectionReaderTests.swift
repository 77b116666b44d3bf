import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

@Suite struct CompressedSectionReaderTests {
    typealias Data = SegmentTestData

    /// Writes one compressed section of `records` and opens it.
    static func section(_ records: [[UInt8]], codec: BlockCodec, fs: SimFS? = nil) throws -> SegmentFile {
        let fs = try fs ?? Data.makeFS()
        let writer = try SegmentWriter(fileIO: fs, layout: Data.layout, number: 1)
        try writer.addCompressedSection(kind: .attributes, records: records, codec: codec)
        let info = try writer.finish()
        return try SegmentFile.open(fileIO: fs, path: info.path)
    }

    /// The block count stored in a compressed section's trailer.
    static func blockCount(_ file: SegmentFile) -> Int {
        let bytes = file.section(.attributes)!
        return Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 16, as: UInt32.self)))
    }

    static let shapes: [(name: String, records: [[UInt8]])] = {
        var rng = SeededGenerator(seed: 8)
        return [
            ("none", []),
            ("one empty", [[]]),
            ("one byte", [[42]]),
            ("many empty", Array(repeating: [], count: 40_000)),
            ("many small", (0..<5000).map { i in Data.record(i, rng: &rng) }),
            ("exactly a block", [[UInt8](repeating: 5, count: 64 * 1024 - 4)]),
            ("a byte over a block", [[UInt8](repeating: 5, count: 64 * 1024 - 3), [1]]),
            (
                "larger than blocks",
                [[1, 2], [UInt8](repeating: 9, count: 300_000), [3], BlockCodecTests.sample(200_000), []]
            ),
        ]
    }()

    @Test(arguments: [BlockCodec.none, .zstd(), .lz4], 0..<shapes.count)
    func roundTripsEveryShape(codec: BlockCodec, shape: Int) throws {
        let records = Self.shapes[shape].records
        let file = try Self.section(records, codec: codec)
        var reader = try file.compressedSection(.attributes)
        #expect(reader.count == records.count)
        #expect(reader.codec.identifier == codec.identifier)
        for (index, record) in records.enumerated() { #expect(try reader.record(index) == record) }
        // Random order reads the same (the cache is per block).
        var rng = SeededGenerator(seed: UInt64(shape))
        for _ in 0..<min(200, records.count) {
            let index = Int.random(in: 0..<records.count, using: &rng)
            #expect(try reader.record(index) == records[index])
        }
        try reader.verifyBlocks()
        try file.verifyAll()
    }

    @Test func blocksHoldAbout64KiBOfWholeRecords() throws {
        var rng = SeededGenerator(seed: 2)
        let records = (0..<3000).map { i in Data.record(i, rng: &rng) }
        let total = records.reduce(0) { $0 + $1.count + 4 }
        let file = try Self.section(records, codec: .zstd())
        let blocks = Self.blockCount(file)
        #expect(
            blocks == (total + 65_535) / 65_536 || blocks == (total + 65_535) / 65_536 + 1,
            "\(blocks) blocks for \(total) bytes")
        // A record larger than the target gets a block of its own.
        let big = try Self.section([[1], [UInt8](repeating: 0, count: 100_000), [2]], codec: .lz4)
        #expect(Self.blockCount(big) == 3)
    }

    /// A damaged block fails its checksum before it is decompressed; the error names the file,
    /// the section and the block's offset, and records in other blocks still read.
    @Test func aDamagedBlockIsReportedAndOthersStillRead() throws {
        var rng = SeededGenerator(seed: 5)
        let records = (0..<2000).map { i in Data.record(i, rng: &rng) }
        let fs = try Data.makeFS()
        let file = try Self.section(records, codec: .zstd(), fs: fs)
        let section = file.sectionInfo(.attributes)!
        var bytes = fs.contents(of: file.path)!
        bytes[section.offset + 10] ^= 1
        fs.setContents(of: file.path, to: bytes)
        let damaged = try SegmentFile.open(fileIO: fs, path: file.path)
        var reader = try damaged.compressedSection(.attributes)
        let error = expectStorageError(.corruption) { try reader.record(0) }
        #expect(error?.file == file.path)
        #expect(error?.offset == Int64(section.offset))
        #expect(error?.message == "section 8 (attributes) block 0 checksum mismatch")
        #expect(try reader.record(records.count - 1) == records.last!)
        expectStorageError(.corruption) { try reader.verifyBlocks() }
    }

    @Test func aDamagedBlockIndexIsRefusedWhenTheReaderIsMade() throws {
        let fs = try Data.makeFS()
        let file = try Self.section([[1], [2], [3]], codec: .lz4, fs: fs)
        let section = file.sectionInfo(.attributes)!
        for back in 1...48 {
            var bytes = fs.contents(of: file.path)!
            bytes[section.offset + section.length - back] ^= 0x80
            fs.setContents(of: file.path, to: bytes)
            let damaged = try SegmentFile.open(fileIO: fs, path: file.path)
            let error = expectStorageError(.corruption) { try damaged.compressedSection(.attributes) }
            #expect(error?.message.hasPrefix("section 8 (attributes): ") == true)
            bytes[section.offset + section.length - back] ^= 0x80
            fs.setContents(of: file.path, to: bytes)
        }
    }
}
