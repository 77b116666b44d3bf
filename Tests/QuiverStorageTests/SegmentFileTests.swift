import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

@Suite struct SegmentFileTests {
    typealias Data = SegmentTestData

    /// The standard segment's bytes, and where each structure lies in them.
    struct Image {
        var bytes: [UInt8]
        var regions: [(name: String, range: Range<Int>)]
    }

    static let data = Data.standard()

    static let image: Image = {
        let fs = try! Data.makeFS()
        let info = try! data.write(fs)
        let bytes = fs.contents(of: info.path)!
        var regions: [(String, Range<Int>)] = [("header", 0..<32)]
        var previousEnd = 32
        for section in info.sections {
            if section.offset > previousEnd {
                regions.append(("padding before \(section.kind)", previousEnd..<section.offset))
            }
            if section.isCompressed {
                // Blocks, then the block index and its trailer.
                let end = section.offset + section.length
                let blockCount = Int(bytes[(end - 16)..<(end - 12)].reversed().reduce(0) { $0 << 8 | Int($1) })
                let indexStart = end - 24 - 24 * blockCount
                if indexStart > section.offset {
                    regions.append(("blocks of \(section.kind)", section.offset..<indexStart))
                }
                regions.append(("block index of \(section.kind)", indexStart..<end))
            } else if section.length > 0 {
                regions.append(("section \(section.kind)", section.offset..<(section.offset + section.length)))
            }
            previousEnd = section.offset + section.length
        }
        let tableStart = bytes.count - 48 - 32 * info.sections.count
        if tableStart > previousEnd { regions.append(("padding before the table", previousEnd..<tableStart)) }
        regions.append(("section table", tableStart..<(bytes.count - 48)))
        regions.append(("footer", (bytes.count - 48)..<bytes.count))
        return Image(bytes: bytes, regions: regions)
    }()

    /// Opens `bytes` as a segment and reads everything; the error, or `nil` when all read back as written.
    static func readEverything(_ bytes: [UInt8], name: String = "000001.seg") throws -> StorageError? {
        let fs = SimFS()
        let path = FilePath("/").appending(name)
        fs.setContents(of: path, to: bytes)
        do {
            let file = try SegmentFile.open(fileIO: fs, path: path)
            try data.readAll(file)
            return nil
        } catch let error as StorageError {
            return error
        }
    }

    @Test func theUndamagedImageReadsBack() throws {
        #expect(try Self.readEverything(Self.image.bytes) == nil)
        #expect(Self.image.regions.count >= 14)
    }

    // MARK: T7 bit flips

    enum Damage: String, CaseIterable, Sendable {
        case bit, byte, run32
    }

    /// A flipped bit, a changed byte or a 32-byte run of garbage anywhere, in every structure,
    /// is reported as a `StorageError` naming the file, never read back as data and never a trap.
    @Test(arguments: Damage.allCases)
    func damageInEveryStructureIsDetected(damage: Damage) throws {
        var rng = SeededGenerator(seed: 0xD00D + UInt64(damage.rawValue.count))
        var cases = 0
        for region in Self.image.regions {
            for _ in 0..<6 {
                var bytes = Self.image.bytes
                let offset = Int.random(in: region.range, using: &rng)
                switch damage {
                case .bit: bytes[offset] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                case .byte: bytes[offset] ^= UInt8.random(in: 1...255, using: &rng)
                case .run32:
                    for i in offset..<min(bytes.count, offset + 32) {
                        bytes[i] = UInt8.random(in: 0...255, using: &rng)
                    }
                    if bytes == Self.image.bytes { continue }
                }
                let error = try Self.readEverything(bytes)
                #expect(error != nil, "\(damage) at \(offset) in \(region.name) went unnoticed")
                if let error {
                    #expect(error.file == "/000001.seg", "\(error)")
                    #expect(error.code == .corruption || error.code == .unsupported, "\(error)")
                }
                cases += 1
            }
        }
        #expect(cases >= 80)
    }

    /// Large raw sections are not checksummed at open: damage there surfaces from `verifySection`.
    @Test func rawSectionDamageIsFoundByVerifySectionNotOpen() throws {
        var bytes = Self.image.bytes
        let vectors = Self.image.regions.first { $0.name.hasPrefix("section 2") }!.range
        bytes[vectors.lowerBound + 100] ^= 0x10
        let fs = SimFS()
        fs.setContents(of: "/000001.seg", to: bytes)
        let file = try SegmentFile.open(fileIO: fs, path: "/000001.seg")
        try file.verifySection(.metadata)
        let error = expectStorageError(.corruption) { try file.verifySection(.vectors) }
        #expect(error?.offset == Int64(vectors.lowerBound))
        #expect(error?.message.contains("section 2 (vectors)") == true)
        expectStorageError(.corruption) { try file.verifyAll() }
    }

    // MARK: T6 truncation and extension

    @Test func truncationAtEvery512ByteBoundaryAndRandomOffsetsIsRefused() throws {
        var offsets = Array(stride(from: 0, to: Self.image.bytes.count, by: 512))
        var rng = SeededGenerator(seed: 512)
        for _ in 0..<40 { offsets.append(Int.random(in: 0..<Self.image.bytes.count, using: &rng)) }
        offsets += [Self.image.bytes.count - 1, Self.image.bytes.count - 48, 79, 80, 81]
        for offset in offsets {
            let error = try Self.readEverything(Array(Self.image.bytes.prefix(offset)))
            #expect(error?.code == .corruption, "truncated to \(offset): \(String(describing: error))")
        }
    }

    @Test(arguments: [1, 511, 4096])
    func extensionWithZerosOrGarbageIsRefused(extra: Int) throws {
        var rng = SeededGenerator(seed: UInt64(extra))
        let zeros = try Self.readEverything(Self.image.bytes + [UInt8](repeating: 0, count: extra))
        #expect(zeros?.code == .corruption)
        let garbage = try Self.readEverything(
            Self.image.bytes + (0..<extra).map { _ in UInt8.random(in: 0...255, using: &rng) })
        #expect(garbage?.code == .corruption)
    }

    /// The footer's length is checked before any offset is trusted: a file whose footer was
    /// copied from a longer file is refused, even though the footer itself is intact (T8 a).
    @Test func aSizeThatDisagreesWithTheFooterIsRefused() throws {
        let bytes = Self.image.bytes
        let shortened = Array(bytes.prefix(40_000)) + bytes.suffix(48)
        let error = try Self.readEverything(shortened)
        #expect(error?.code == .corruption)
        #expect(error?.message.contains("footer says") == true, "\(String(describing: error))")
    }

    /// A footer that passes its checksum but lies (crafted, or a 2⁻³² accident) is still
    /// bounds-checked: refused, never a trap.
    @Test func aLyingFooterWithAValidChecksumIsRefused() throws {
        let original = Self.image.bytes
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int, in bytes: inout [UInt8]) {
            withUnsafeBytes(of: value.littleEndian) {
                bytes.replaceSubrange(offset..<(offset + MemoryLayout<T>.size), with: $0)
            }
        }
        func forge(_ base: [UInt8], _ edit: (inout [UInt8], Int) -> Void) throws -> StorageError? {
            var bytes = base
            let footerStart = bytes.count - 48
            edit(&bytes, footerStart)
            put(CRC32C.mask(CRC32C.checksum(bytes[footerStart..<(footerStart + 44)])), at: footerStart + 44, in: &bytes)
            return try Self.readEverything(bytes)
        }
        let small = Array(original.prefix(32)) + original.suffix(48)
        let forged = [
            try forge(original) { put(UInt32(4096), at: $1 + 8, in: &$0) },
            try forge(original) { put(UInt32(4097), at: $1 + 8, in: &$0) },
            try forge(original) { put(UInt64.max, at: $1, in: &$0) },
            try forge(original) { put(UInt64(0), at: $1, in: &$0) },
            try forge(original) { put(UInt64.max, at: $1 + 16, in: &$0) },
            try forge(small) { put(UInt64(80), at: $1 + 16, in: &$0) },
            try forge(small) { bytes, start in
                put(UInt64(80), at: start + 16, in: &bytes)
                put(UInt32(4096), at: start + 8, in: &bytes)
            },
        ]
        for error in forged { #expect(error?.code == .corruption, "\(String(describing: error))") }
    }

    // MARK: Versions and names

    @Test func aNewerVersionIsRefusedWithAClearMessage() throws {
        var bytes = Self.image.bytes
        bytes[8] = 7
        let error = try Self.readEverything(bytes)
        #expect(error?.code == .unsupported)
        #expect(error?.message == "segment written by a newer Quiver (format v7), this build reads up to v1")
    }

    @Test func aSegmentUnderAnotherNumbersNameIsRefused() throws {
        let error = try Self.readEverything(Self.image.bytes, name: "000002.seg")
        #expect(error?.code == .corruption && error?.message.contains("file name") == true)
        #expect(try Self.readEverything(Self.image.bytes, name: "copy.bin") == nil)
    }

    @Test func misuseIsReported() throws {
        let fs = SimFS()
        expectStorageError(.notFound) { try SegmentFile.open(fileIO: fs, path: "/missing.seg") }
        fs.setContents(of: "/000001.seg", to: Self.image.bytes)
        let file = try SegmentFile.open(fileIO: fs, path: "/000001.seg")
        expectStorageError(.notFound) { try file.verifySection(.graphUpper) }
        expectStorageError(.notFound) { try file.compressedSection(.graphUpper) }
        expectStorageError(.invalidArgument) { try file.compressedSection(.vectors) }
        #expect(file.section(.attributes)?.count == file.sectionInfo(.attributes)?.length)
    }

    // MARK: Real mappings

    /// On a real file system: the mapping is zero-copy and outlives both the handle and the name
    /// (T8 d: unlink while mapped keeps readers valid).
    @Test func mapsRealFilesAndSurvivesUnlink() throws {
        try withTemporaryDirectory { directory in
            let io = PosixFileIO()
            let layout = DataDirectoryLayout(root: directory)
            let writer = try SegmentWriter(fileIO: io, layout: layout, number: 12)
            try writer.beginSection(kind: .vectors, alignment: 4096)
            let vectors = BlockCodecTests.sample(100_000)
            try vectors.withUnsafeBytes { try writer.append($0) }
            try writer.endSection()
            try writer.addCompressedSection(
                kind: .attributes, records: [Array("a".utf8), Array("b".utf8)], codec: .zstd())
            _ = try writer.finish()
            #expect(try io.contentsOfDirectory(directory) == ["000012.seg"])
            let file = try SegmentFile.open(fileIO: io, path: layout.segmentFile(12))
            try io.remove(layout.segmentFile(12))
            let view = file.section(.vectors)!
            #expect(Int(bitPattern: view.baseAddress) % 4096 == 0, "vectors are page-aligned in the mapping")
            #expect(Array(view) == vectors)
            var reader = try file.compressedSection(.attributes)
            #expect(try reader.record(1) == Array("b".utf8))
            try file.verifyAll()
        }
    }
}

/// Header, footer and section-table fields that pass every checksum but lie are still refused
/// (crafted input; T18).
extension SegmentFileTests {
    struct ForgedField: Sendable, CustomStringConvertible {
        var description: String
        var code: StorageError.Code
        var message: String
        var edit: @Sendable (inout SegmentForgery) -> Void
    }

    static let forgedFields: [ForgedField] = {
        typealias F = SegmentForgery
        return [
            ForgedField(description: "header version 0", code: .corruption, message: "segment format version 0 does not exist") {
                $0.put(UInt16(0), at: F.Header.versionOffset)
                $0.sealHeader()
            },
            ForgedField(description: "header flags", code: .unsupported, message: "segment header has flags this build does not know") {
                $0.put(UInt16(1), at: F.Header.flagsOffset)
                $0.sealHeader()
            },
            ForgedField(description: "header reserved", code: .corruption, message: "segment header reserved bytes are not zero") {
                $0.put(UInt32(1), at: F.Header.reserved2Offset)
                $0.sealHeader()
            },
            ForgedField(description: "footer number", code: .corruption, message: "segment footer disagrees with its header") {
                $0.put(UInt64(99), at: $0.footerStart + F.Footer.numberOffset)
                $0.sealFooter()
            },
            ForgedField(description: "footer flags", code: .unsupported, message: "segment footer has flags this build does not know") {
                $0.put(UInt16(1), at: $0.footerStart + F.Footer.flagsOffset)
                $0.sealFooter()
            },
            ForgedField(description: "section flags", code: .corruption, message: "has unknown flags") {
                $0.put(UInt32(6), at: $0.entry(0) + F.Entry.flagsOffset)
                $0.sealTable()
            },
            ForgedField(description: "section length", code: .corruption, message: "lies outside the file's data") {
                $0.put(UInt64(1) << 40, at: $0.entry(0) + F.Entry.lengthOffset)
                $0.sealTable()
            },
            ForgedField(description: "section kind twice", code: .corruption, message: "appears twice") {
                let kind = $0.load(UInt32.self, at: $0.entry(0) + F.Entry.kindOffset)
                $0.put(kind, at: $0.entry(1) + F.Entry.kindOffset)
                $0.sealTable()
            },
        ]
    }()

    @Test(arguments: forgedFields)
    func aForgedFieldIsRefusedAtOpen(_ field: ForgedField) throws {
        var forgery = SegmentForgery(bytes: Self.image.bytes)
        field.edit(&forgery)
        let error = try Self.readEverything(forgery.bytes)
        #expect(error?.code == field.code, "\(String(describing: error))")
        #expect(error?.message.contains(field.message) == true, "\(String(describing: error))")
    }
}
