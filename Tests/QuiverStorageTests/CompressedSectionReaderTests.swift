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

/// Block indexes and blocks that pass their checksums but lie (crafted input; T18): each is
/// refused, when the reader is made or when the block is read, never trusted.
extension CompressedSectionReaderTests {
    struct ForgedIndex: Sendable, CustomStringConvertible {
        var description: String
        /// Whether the damage shows when a record is read rather than when the reader is made.
        var atRead: Bool
        var message: String
        var edit: @Sendable (inout SegmentForgery, _ indexStart: Int, _ trailerStart: Int, _ blockStart: Int) -> Void
    }

    static let forgedIndexes: [ForgedIndex] = {
        typealias C = SegmentFormat.Compressed
        /// Replaces the block's record end `position` and rewrites the block and index checksums.
        func end(_ position: Int, _ value: UInt32) -> @Sendable (inout SegmentForgery, Int, Int, Int) -> Void {
            { forgery, index, _, block in
                forgery.put(value, at: block + 4 * position)
                let length = Int(forgery.load(UInt32.self, at: index + C.entryStoredLengthOffset))
                forgery.put(CRC32C.mask(CRC32C.checksum(forgery.bytes[block..<(block + length)])), at: index + C.entryChecksumOffset)
                forgery.sealBlockIndex(ofSection: 0)
            }
        }
        return [
            ForgedIndex(description: "section shorter than a trailer", atRead: false, message: "cannot hold a block index trailer") {
                forgery, _, _, _ in
                forgery.put(UInt64(10), at: forgery.entry(0) + SegmentForgery.Entry.lengthOffset)
                forgery.sealTable()
            },
            ForgedIndex(description: "unknown codec", atRead: false, message: "unknown codec 99") { forgery, _, trailer, _ in
                forgery.put(UInt8(99), at: trailer + C.codecOffset)
                forgery.sealBlockIndex(ofSection: 0)
            },
            ForgedIndex(description: "reserved bytes", atRead: false, message: "reserved bytes are not zero") { forgery, _, trailer, _ in
                forgery.put(UInt8(1), at: trailer + C.reservedOffset + 1)
                forgery.sealBlockIndex(ofSection: 0)
            },
            ForgedIndex(description: "no records in a block", atRead: false, message: "0 records in 1 blocks") { forgery, _, trailer, _ in
                forgery.put(UInt64(0), at: trailer + C.recordCountOffset)
                forgery.sealBlockIndex(ofSection: 0)
            },
            ForgedIndex(description: "block out of place", atRead: false, message: "is out of place") { forgery, index, _, _ in
                forgery.put(UInt64(8), at: index + C.entryOffsetOffset)
                forgery.sealBlockIndex(ofSection: 0)
            },
            ForgedIndex(description: "first record", atRead: false, message: "starts at record 1") { forgery, index, _, _ in
                forgery.put(UInt32(1), at: index + C.entryFirstRecordOffset)
                forgery.sealBlockIndex(ofSection: 0)
            },
            ForgedIndex(description: "huge raw size", atRead: false, message: "raw bytes") { forgery, index, _, _ in
                forgery.put(UInt32(C.maxRawBlockSize + 1), at: index + C.entryRawLengthOffset)
                forgery.sealBlockIndex(ofSection: 0)
            },
            ForgedIndex(description: "blocks short of the index", atRead: false, message: "blocks end at") { forgery, index, _, _ in
                let stored = forgery.load(UInt32.self, at: index + C.entryStoredLengthOffset)
                forgery.put(stored - 1, at: index + C.entryStoredLengthOffset)
                forgery.sealBlockIndex(ofSection: 0)
            },
            ForgedIndex(description: "records over the raw size", atRead: false, message: "holds 3 records in 8 raw bytes") {
                forgery, index, _, _ in
                forgery.put(UInt32(8), at: index + C.entryRawLengthOffset)
                forgery.sealBlockIndex(ofSection: 0)
            },
            ForgedIndex(description: "not the declared codec", atRead: true, message: "block 0: ") { forgery, _, trailer, _ in
                forgery.put(BlockCodec.zstd().identifier, at: trailer + C.codecOffset)
                forgery.sealBlockIndex(ofSection: 0)
            },
            ForgedIndex(description: "record past the data", atRead: true, message: "record 0 ends at 100", edit: end(0, 100)),
            ForgedIndex(description: "records short of the data", atRead: true, message: "records end at 5 of 6 bytes", edit: end(2, 5)),
        ]
    }()

    @Test(arguments: forgedIndexes)
    func aForgedBlockIndexOrBlockIsRefused(_ forged: ForgedIndex) throws {
        let fs = try Data.makeFS()
        let file = try Self.section([[1], [2, 3], [4, 5, 6]], codec: .none, fs: fs)
        var forgery = SegmentForgery(bytes: fs.contents(of: file.path)!)
        let position = try #require(forgery.position(of: .attributes))
        #expect(position == 0)
        let (indexStart, trailerStart) = forgery.compressedLayout(ofSection: position)
        forged.edit(&forgery, indexStart, trailerStart, forgery.range(ofSection: position).lowerBound)
        fs.setContents(of: file.path, to: forgery.bytes)
        let damaged = try SegmentFile.open(fileIO: fs, path: file.path)
        let error: StorageError?
        if forged.atRead {
            var reader = try damaged.compressedSection(.attributes)
            error = expectStorageError(.corruption) { try reader.record(0) }
        } else {
            error = expectStorageError(.corruption) { try damaged.compressedSection(.attributes) }
        }
        #expect(error?.message.contains(forged.message) == true, "\(String(describing: error))")
        #expect(error?.file == file.path)
    }
}
