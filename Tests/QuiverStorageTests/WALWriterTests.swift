import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

@Suite struct WALWriterTests {
    typealias Log = WALTestLog

    /// The worked example of docs/format/wal.md, byte for byte.
    @Test func workedExampleMatchesTheSpecification() {
        let bytes = Log.make([Array("hello".utf8)], salt: 0x0102_0304, firstSequence: 1)
        let expected: [UInt8] = hex(
            """
            51 56 57 41 4c 0d 0a 1a 01 00 00 00 04 03 02 01
            01 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00
            \(WALWriterTests.exampleHeaderChecksum)
            \(WALWriterTests.exampleFragmentChecksum) 05 00 01 00 01 00 00 00 00 00 00 00
            00 00 00 00 00 00 00 00 68 65 6c 6c 6f
            """)
        #expect(bytes == expected, "\(bytes.map { String($0, radix: 16) })")
    }

    @Test func workedExampleLargeRecordLayout() throws {
        var bytes = Log.make([Array("hello".utf8), Log.big("x", 100_000)], salt: 0x0102_0304)
        bytes = Array(bytes)
        let fragments: [(offset: Int, type: UInt8, length: Int)] = [(65, 2, 32679), (32768, 3, 32744), (65536, 3, 32744), (98304, 4, 1833)]
        for fragment in fragments {
            #expect(bytes[fragment.offset + 6] == fragment.type)
            #expect(Int(bytes[...].loadLittleEndian(UInt16.self, at: fragment.offset + 4)) == fragment.length)
        }
        #expect(bytes.count == 98304 + 24 + 1833)
    }

    static let exampleHeaderChecksum = "36 f9 63 ab"
    static let exampleFragmentChecksum = "0b 9e b4 b6"

    private func hex(_ text: String) -> [UInt8] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16)! }
    }

    @Test func headerRoundTrips() throws {
        let header = WALFileHeader(salt: 99, logNumber: 12, firstSequence: 500)
        let bytes = header.encoded()
        #expect(bytes.count == WALFormat.FileHeader.size)
        #expect(try WALFileHeader.decode(bytes[...]) == header)
    }

    @Test func fragmentsCarrySequenceAndSyncedTo() throws {
        let bytes = Log.make([Array("a".utf8), Array("b".utf8), Array("c".utf8)], firstSequence: 10, syncAfter: [0])
        let F = Log.fileHeaderSize
        let H = Log.headerSize
        let offsets = [F, F + H + 1, F + 2 * (H + 1)]
        let sequences = offsets.map { bytes[...].loadLittleEndian(UInt64.self, at: $0 + 8) }
        let syncedTo = offsets.map { bytes[...].loadLittleEndian(UInt64.self, at: $0 + 16) }
        #expect(sequences == [10, 11, 12])
        #expect(syncedTo == [0, UInt64(F + H + 1), UInt64(F + H + 1)])
    }

    @Test func largeRecordIsCutIntoFirstMiddleLast() throws {
        let B = Log.blockSize
        let H = Log.headerSize
        let record = Log.big("z", 100_000)
        let bytes = Log.make([record])
        var types: [UInt8] = []
        var lengths: [Int] = []
        var offset = Log.fileHeaderSize
        while offset < bytes.count {
            types.append(bytes[offset + 6])
            let length = Int(bytes[...].loadLittleEndian(UInt16.self, at: offset + 4))
            lengths.append(length)
            offset += H + length
            if B - offset % B < H { offset += B - offset % B }
        }
        #expect(types == [2, 3, 3, 4])
        #expect(lengths.reduce(0, +) == record.count)
        #expect(lengths[0] == B - Log.fileHeaderSize - H && lengths[1] == B - H)
    }

    private func makeWriter(_ io: any FileIO) throws -> WALWriter {
        let file = try io.open(Log.path, access: .readWrite, options: [.create])
        var writer = try WALWriter(fileIO: io, file: file, path: Log.path, header: WALFileHeader(salt: 5, logNumber: 1, firstSequence: 1))
        try writer.synchronize()
        return writer
    }

    @Test(arguments: [FaultyFileIO.Fault.error(.noSpace), .shortWrite(.noSpace), .error(.ioError), .shortWrite(.ioError)])
    func failedWriteIsRolledBack(fault: FaultyFileIO.Fault) throws {
        let fs = SimFS()
        let io = FaultyFileIO(wrapping: fs)
        var writer = try makeWriter(io)
        try writer.append([Array("kept".utf8)])
        let size = fs.contents(of: Log.path)!.count
        io.inject(.init([.write], .once(1), fault))
        let error = expectStorageError(fault == .error(.ioError) || fault == .shortWrite(.ioError) ? .io(.ioError) : .io(.noSpace)) {
            try writer.append([Log.big("lost", 50_000)])
        }
        #expect(error?.file == Log.path)
        #expect(fs.contents(of: Log.path)!.count == size)
        let intact = !writer.isBroken && writer.lastSequence == 1
        #expect(intact)
        try writer.append([Array("next".utf8)])
        let outcome = Log.read(fs.contents(of: Log.path)!)
        #expect(outcome.records == [Array("kept".utf8), Array("next".utf8)] && outcome.sequences == [1, 2])
    }

    @Test func failedRollbackBreaksTheWriter() throws {
        let io = FaultyFileIO(wrapping: SimFS())
        var writer = try makeWriter(io)
        io.inject(.init([.write], .once(1), .shortWrite(.noSpace)))
        io.inject(.init([.resize], .once(1), .error(.ioError)))
        expectStorageError(.readOnly) { try writer.append([Array("x".utf8)]) }
        let broken = writer.isBroken
        #expect(broken)
        io.clearFaults()
        expectStorageError(.readOnly) { try writer.append([Array("y".utf8)]) }
    }

    @Test func failedSyncBreaksTheWriter() throws {
        let io = FaultyFileIO(wrapping: SimFS())
        var writer = try makeWriter(io)
        try writer.append([Array("x".utf8)])
        io.inject(.init([.synchronize], .once(1), .error(.ioError)))
        expectStorageError(.io(.ioError)) { try writer.synchronize() }
        let broken = writer.isBroken && writer.syncedOffset < writer.offset
        #expect(broken)
    }

    @Test func oversizedRecordIsRefused() throws {
        var writer = try makeWriter(SimFS())
        expectStorageError(.invalidArgument) { try writer.append([UInt8](repeating: 0, count: WALFormat.maxRecordLength + 1)) }
        let last = writer.lastSequence
        #expect(last == 0)
    }
}
