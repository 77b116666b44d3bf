import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

@Suite struct ManifestReaderTests {
    static let edits: [ManifestEdit] = [
        ManifestEdit(nextFileNumber: 2, catalogSet: ["docs": [1, 2]]),
        ManifestEdit(addedSegments: [ManifestEditTests.segment(3)]),
        ManifestEdit(checkpointSequence: 40),
        ManifestEdit(removedSegments: [3], catalogSet: ["more": Array(repeating: 7, count: 600)]),
    ]

    /// A manifest image: header, then one record per edit; and where each record starts.
    static func image(_ edits: [ManifestEdit] = edits, number: UInt64 = 1) -> (bytes: [UInt8], starts: [Int]) {
        var bytes = ManifestFormat.header(number: number)
        var starts: [Int] = []
        for edit in edits {
            starts.append(bytes.count)
            bytes += ManifestFormat.record(edit.encoded())
        }
        return (bytes, starts)
    }

    static func readAll(_ bytes: [UInt8]) throws -> (edits: [ManifestEdit], reader: ManifestReader) {
        var reader = try ManifestReader(bytes: bytes, path: "/MANIFEST-000001")
        var edits: [ManifestEdit] = []
        while let edit = try reader.next() { edits.append(edit) }
        return (edits, reader)
    }

    @Test func readsEveryRecord() throws {
        let (bytes, _) = Self.image()
        let (edits, reader) = try Self.readAll(bytes)
        #expect(edits == Self.edits)
        #expect(reader.number == 1 && reader.version == 1 && reader.offset == bytes.count && reader.droppedTail == nil)
    }

    @Test func headerProblems() throws {
        let (bytes, _) = Self.image()
        for length in [0, 8, 31] {
            expectStorageError(.corruption) { try ManifestReader(bytes: Array(bytes.prefix(length))) }
        }
        var damaged = bytes
        damaged[0] = 0
        expectStorageError(.corruption) { try ManifestReader(bytes: damaged) }
        damaged = bytes
        damaged[20] ^= 1
        expectStorageError(.corruption) { try ManifestReader(bytes: damaged) }
        damaged = bytes
        damaged[8] = 2
        let newer = expectStorageError(.unsupported) { try ManifestReader(bytes: damaged, path: "/MANIFEST-000001") }
        #expect(newer?.message == "manifest written by a newer Quiver (format v2), this build reads up to v1")
        #expect(newer?.file == "/MANIFEST-000001")
    }

    /// T6: the last record cut at every byte, or its tail zeroed or replaced by garbage, is a torn
    /// tail: dropped, and the records before it read.
    @Test func aTornLastRecordIsDropped() throws {
        let (bytes, starts) = Self.image()
        let last = starts.last!
        var rng = SeededGenerator(seed: 6)
        for cut in last..<bytes.count {
            var variants = [Array(bytes.prefix(cut))]
            var zeroed = bytes
            for i in cut..<bytes.count { zeroed[i] = 0 }
            variants.append(zeroed)
            var garbage = bytes
            for i in cut..<bytes.count { garbage[i] = UInt8.random(in: 0...255, using: &rng) }
            variants.append(garbage)
            for variant in variants where variant != bytes {
                let (edits, reader) = try Self.readAll(variant)
                #expect(edits == Array(Self.edits.dropLast()), "cut at \(cut)")
                #expect(
                    reader.offset == last && reader.droppedTail == (variant.count > last ? variant.count - last : nil))
            }
        }
        // Zeros appended after a complete file (extended, never written) are a clean tail.
        let (edits, reader) = try Self.readAll(bytes + [UInt8](repeating: 0, count: 4096))
        #expect(edits == Self.edits && reader.droppedTail == 4096)
    }

    /// T7: damage to a record with records after it is corruption, named by file and offset.
    @Test func damageBeforeTheLastRecordIsRefused() throws {
        let (bytes, starts) = Self.image()
        var rng = SeededGenerator(seed: 9)
        for (index, start) in starts.dropLast().enumerated() {
            let end = starts[index + 1]
            for _ in 0..<20 {
                var damaged = bytes
                let offset = Int.random(in: start..<end, using: &rng)
                damaged[offset] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                do {
                    let (edits, _) = try Self.readAll(damaged)
                    Issue.record("damage at \(offset) read \(edits.count) records")
                } catch let error as StorageError {
                    #expect(error.code == .corruption && error.file == "/MANIFEST-000001")
                    #expect(error.offset.map { $0 >= Int64(start) && $0 < Int64(end) } == true, "\(error)")
                }
            }
        }
    }

    @Test func aRecordPassingItsChecksumButNotDecodingIsCorruption() throws {
        var bytes = ManifestFormat.header(number: 1)
        bytes += ManifestFormat.record([9, 9])
        let error = expectStorageError(.corruption) { try Self.readAll(bytes) }
        #expect(error?.offset == 40, "the payload offset of the bad tag")
    }
}

/// Header fields that pass the checksum but are wrong, and damage too large to classify (T18).
extension ManifestReaderTests {
    /// The header of manifest 1 with `edit` applied and its checksum rewritten.
    static func forgedHeader(_ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        typealias Header = ManifestFormat.Header
        var header = ManifestFormat.header(number: 1)
        edit(&header)
        let checksum = CRC32C.mask(CRC32C.checksum(header.prefix(Header.checksumOffset)))
        header.replaceSubrange(Header.checksumOffset..<Header.size, with: withUnsafeBytes(of: checksum.littleEndian, Array.init))
        return header
    }

    @Test func forgedHeaderFieldsAreRefused() {
        typealias Header = ManifestFormat.Header
        let record = ManifestFormat.record(ManifestEdit(nextFileNumber: 2).encoded())
        let zero = expectStorageError(.corruption) {
            try ManifestReader(bytes: Self.forgedHeader { $0[Header.versionOffset] = 0 } + record)
        }
        #expect(zero?.message == "manifest format version 0 does not exist")
        let flags = expectStorageError(.unsupported) {
            try ManifestReader(bytes: Self.forgedHeader { $0[Header.flagsOffset] = 1 } + record)
        }
        #expect(flags?.message == "manifest header has flags this build does not know")
        for offset in [Header.reservedOffset, Header.reserved2Offset] {
            let reserved = expectStorageError(.corruption) {
                try ManifestReader(bytes: Self.forgedHeader { $0[offset + 1] = 1 } + record)
            }
            #expect(reserved?.message == "manifest header reserved bytes are not zero")
        }
    }

    /// Damage followed by more than 64 MiB worth of plausible record lengths to checksum: the
    /// reader gives up telling a torn tail from corruption and refuses the file (never a hang).
    @Test func damageTooCostlyToClassifyIsRefused() throws {
        var bytes = ManifestFormat.header(number: 1) + ManifestFormat.record(ManifestEdit(nextFileNumber: 2).encoded())
        // A record header with a bad checksum, then bytes whose every fourth offset reads as a
        // length of 1 MiB (and the others as 4 KiB or 16 bytes): each looks like a record.
        bytes += [0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x00, 0x10, 0x00]
        for _ in 0..<((1 << 20) / 4 + 1024) { bytes += [0x00, 0x00, 0x10, 0x00] }
        var reader = try ManifestReader(bytes: bytes)
        #expect(try reader.next() == ManifestEdit(nextFileNumber: 2))
        let error = expectStorageError(.corruption) { try reader.next() }
        #expect(error?.message.contains("too much damaged data") == true, "\(String(describing: error))")
    }
}
