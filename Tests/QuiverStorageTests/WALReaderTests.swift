import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

/// The T1 corpus: LevelDB's `log_test` cases adapted to this format (24-byte fragment headers, a
/// 36-byte file header in block 0, sequence numbers and `syncedTo`), plus our own, each checked
/// in every recovery mode where the mode changes the outcome.
@Suite struct WALReaderTests {
    typealias Log = WALTestLog
    static let modes = WALRecoveryMode.allCases
    let B = WALTestLog.blockSize
    let F = WALTestLog.fileHeaderSize
    let H = WALTestLog.headerSize

    /// What a mode should make of a log.
    enum Expected: Equatable {
        case records([[UInt8]])
        case corruption
    }

    func check(
        _ bytes: [UInt8], _ mode: WALRecoveryMode, _ expected: Expected, droppedReported: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let outcome = Log.read(bytes, mode: mode)
        switch expected {
        case .corruption:
            #expect(outcome.error?.code == .corruption, "\(mode): \(outcome.records.count) records", sourceLocation: sourceLocation)
            #expect(outcome.error?.offset != nil, sourceLocation: sourceLocation)
        case .records(let records):
            #expect(outcome.error == nil, "\(mode): \(String(describing: outcome.error))", sourceLocation: sourceLocation)
            #expect(outcome.records == records, "\(mode)", sourceLocation: sourceLocation)
            if droppedReported { #expect(outcome.droppedBytes > 0, "\(mode): damage not reported", sourceLocation: sourceLocation) }
        }
    }

    /// The expectation for a log whose only damage is at its end (a torn tail).
    func tail(_ mode: WALRecoveryMode, keeping records: [[UInt8]]) -> Expected {
        mode == .absoluteConsistency ? .corruption : .records(records)
    }

    // MARK: LevelDB log_test, well-formed logs

    @Test(arguments: modes) func empty(mode: WALRecoveryMode) {
        let outcome = Log.read(Log.make([]), mode: mode)
        #expect(outcome.records.isEmpty && outcome.error == nil && outcome.reports.isEmpty)
        #expect(outcome.status == .clean)
    }

    @Test(arguments: modes) func readWrite(mode: WALRecoveryMode) {
        let records = ["foo", "bar", "", "xxxx"].map { Array($0.utf8) }
        let outcome = Log.read(Log.make(records), mode: mode)
        #expect(outcome.records == records && outcome.reports.isEmpty)
        #expect(outcome.sequences == [1, 2, 3, 4])
    }

    @Test func manyBlocks() {
        let records = (0..<100_000).map { Array("\($0).".utf8) }
        let bytes = Log.make(records)
        #expect(bytes.count > 20 * B)
        let outcome = Log.read(bytes)
        #expect(outcome.records == records && outcome.status == .clean)
    }

    @Test func fragmentation() {
        let records = [Array("small".utf8), Log.big("medium", 50_000), Log.big("large", 100_000)]
        #expect(Log.read(Log.make(records)).records == records)
    }

    @Test func marginalTrailer() {
        // Leaves exactly one fragment header of room: the empty record fits there.
        let first = Log.big("foo", B - F - 2 * H)
        #expect(Log.make([first]).count == B - H)
        let records = [first, [], Array("bar".utf8)]
        let outcome = Log.read(Log.make(records))
        #expect(outcome.records == records && outcome.reports.isEmpty)
    }

    @Test func marginalTrailer2() {
        let records = [Log.big("foo", B - F - 2 * H), Array("bar".utf8)]
        let outcome = Log.read(Log.make(records))
        #expect(outcome.records == records && outcome.reports.isEmpty)
    }

    @Test func shortTrailer() {
        let records = [Log.big("foo", B - F - 2 * H + 4), [], Array("bar".utf8)]
        let outcome = Log.read(Log.make(records))
        #expect(outcome.records == records && outcome.reports.isEmpty)
    }

    @Test func alignedEOF() {
        let first = Log.big("foo", B - F - 2 * H + 4)
        let bytes = Log.make([first])
        #expect(bytes.count == B - H + 4)
        let outcome = Log.read(bytes)
        #expect(outcome.records == [first] && outcome.status == .clean)
    }

    @Test func randomRead() {
        var rng = SeededGenerator(seed: 301)
        let records = (0..<500).map { index -> [UInt8] in
            let bits = Int.random(in: 0...17, using: &rng)
            return Log.big("\(index)", Int.random(in: 0..<(1 << bits), using: &rng))
        }
        #expect(Log.read(Log.make(records)).records == records)
    }

    @Test func readErrorIsTyped() throws {
        let fs = SimFS()
        fs.setContents(of: Log.path, to: Log.make((0..<10).map { Log.big("x\($0)", 10_000) }))
        let faulty = FaultyFileIO(wrapping: fs, rules: [.init([.read], .once(3), .error(.ioError))])
        let file = try faulty.open(Log.path, access: .readOnly, options: [])
        expectStorageError(.io(.ioError)) {
            var reader = try WALReader(fileIO: faulty, file: file, path: Log.path)
            _ = try reader.readAll()
        }
    }

    // MARK: LevelDB log_test, damaged logs

    @Test(arguments: modes) func badRecordType(mode: WALRecoveryMode) {
        var bytes = Log.make([Array("foo".utf8)])
        Log.setType(&bytes, fragmentAt: F, 9)
        check(bytes, mode, tail(mode, keeping: []))
    }

    @Test(arguments: modes) func truncatedTrailingRecordIsIgnored(mode: WALRecoveryMode) {
        let bytes = Array(Log.make([Array("foo".utf8)]).dropLast(4))
        check(bytes, mode, tail(mode, keeping: []))
    }

    @Test(arguments: modes) func badLength(mode: WALRecoveryMode) {
        // The first record fills block 0; a length one too long crosses into block 1.
        var bytes = Log.make([Log.big("bar", B - F - H), Array("foo".utf8)])
        bytes[F + 4] &+= 1
        check(bytes, mode, mode == .skipCorrupted ? .records([Array("foo".utf8)]) : tail(mode, keeping: []))
    }

    @Test(arguments: modes) func badLengthFollowedByDurableRecord(mode: WALRecoveryMode) {
        var bytes = Log.make([Log.big("bar", B - F - H), Array("foo".utf8)], syncAfter: [0])
        bytes[F + 4] &+= 1
        let expected: Expected =
            switch mode {
            case .skipCorrupted: .records([Array("foo".utf8)])
            case .pointInTime: .records([])
            case .tolerateCorruptedTail, .absoluteConsistency: .corruption
            }
        check(bytes, mode, expected)
    }

    @Test(arguments: modes) func badLengthAtEndIsIgnored(mode: WALRecoveryMode) {
        let bytes = Array(Log.make([Array("foo".utf8)]).dropLast(1))
        check(bytes, mode, tail(mode, keeping: []))
    }

    @Test(arguments: modes) func checksumMismatch(mode: WALRecoveryMode) {
        var bytes = Log.make([Array("foooooo".utf8)])
        bytes[F] &+= 14
        check(bytes, mode, tail(mode, keeping: []))
    }

    @Test(arguments: modes) func unexpectedMiddleType(mode: WALRecoveryMode) {
        var bytes = Log.make([Array("foo".utf8)])
        Log.setType(&bytes, fragmentAt: F, WALFormat.RecordType.middle.rawValue)
        check(bytes, mode, tail(mode, keeping: []))
    }

    @Test(arguments: modes) func unexpectedLastType(mode: WALRecoveryMode) {
        var bytes = Log.make([Array("foo".utf8)])
        Log.setType(&bytes, fragmentAt: F, WALFormat.RecordType.last.rawValue)
        check(bytes, mode, tail(mode, keeping: []))
    }

    @Test(arguments: modes) func unexpectedFullType(mode: WALRecoveryMode) {
        // "foo" claims to continue, but a whole record follows it.
        var bytes = Log.make([Array("foo".utf8), Array("bar".utf8)])
        Log.setType(&bytes, fragmentAt: F, WALFormat.RecordType.first.rawValue)
        check(bytes, mode, mode == .skipCorrupted ? .records([Array("bar".utf8)]) : tail(mode, keeping: []))
    }

    @Test(arguments: modes) func unexpectedFirstType(mode: WALRecoveryMode) {
        let large = Log.big("bar", 100_000)
        var bytes = Log.make([Array("foo".utf8), large])
        Log.setType(&bytes, fragmentAt: F, WALFormat.RecordType.first.rawValue)
        check(bytes, mode, mode == .skipCorrupted ? .records([large]) : tail(mode, keeping: []))
    }

    @Test(arguments: modes) func missingLastIsIgnored(mode: WALRecoveryMode) {
        let bytes = Array(Log.make([Log.big("bar", B)]).dropLast(14))
        check(bytes, mode, tail(mode, keeping: []))
    }

    @Test(arguments: modes) func partialLastIsIgnored(mode: WALRecoveryMode) {
        let bytes = Array(Log.make([Log.big("bar", B)]).dropLast(1))
        check(bytes, mode, tail(mode, keeping: []))
    }

    @Test(arguments: modes) func errorJoinsRecords(mode: WALRecoveryMode) {
        // Records spanning blocks 0-1 and 1-2 lose block 1 entirely; "correct" follows, durable.
        let records = [Log.big("first", B), Log.big("second", B), Array("correct".utf8)]
        var bytes = Log.make(records, syncAfter: [1])
        for index in B..<(2 * B) { bytes[index] = UInt8(ascii: "x") }
        let expected: Expected =
            switch mode {
            case .skipCorrupted: .records([Array("correct".utf8)])
            case .pointInTime: .records([])
            case .tolerateCorruptedTail, .absoluteConsistency: .corruption
            }
        check(bytes, mode, expected)
        if mode == .skipCorrupted {
            #expect(Log.read(bytes, mode: mode).droppedBytes >= Int64(2 * B))
        }
    }

    // MARK: Our cases

    @Test(arguments: modes) func zeroFilledPreallocatedTail(mode: WALRecoveryMode) {
        let records = [Array("foo".utf8), Log.big("bar", 40_000)]
        let bytes = Log.make(records) + [UInt8](repeating: 0, count: 100_000)
        let outcome = Log.read(bytes, mode: mode)
        #expect(outcome.error == nil && outcome.records == records && outcome.status == .clean)
        #expect(outcome.reports.map(\.kind) == [.zeroFilledTail])
        #expect(outcome.validEnd == Int64(Log.make(records).count))
    }

    @Test(arguments: modes) func staleRecordsFromRecycledFile(mode: WALRecoveryMode) {
        // A file reused under a new salt still holds the old file's records past the new ones.
        let old = Log.makeSynced((0..<50).map { Log.big("old\($0)", 700) }, salt: 1)
        let fresh = Log.makeSynced([Array("new".utf8), Array("newer".utf8)], salt: 2)
        var bytes = old
        bytes.replaceSubrange(0..<fresh.count, with: fresh)
        let outcome = Log.read(bytes, mode: mode)
        if mode == .absoluteConsistency {
            #expect(outcome.error?.code == .corruption)
        } else {
            #expect(outcome.error == nil)
            #expect(outcome.records == [Array("new".utf8), Array("newer".utf8)])
            #expect(outcome.droppedBytes > 0)
        }
    }

    @Test func recordExactlyFillingBlock() {
        let first = Log.big("fill", B - F - H)
        let bytes = Log.make([first, Array("next".utf8)])
        #expect(bytes.count == B + H + 4)
        var reader = try! WALReader(bytes: bytes)
        let records = try! reader.readAll()
        #expect(records.map(\.payload) == [first, Array("next".utf8)])
        #expect(records.map(\.offset) == [Int64(F), Int64(B)])
    }

    @Test(arguments: [0, 1, 2, 15, 22, 23, 24, 25, 100])
    func trailerOfEverySize(leftover: Int) {
        // Leaves `leftover` bytes in block 0: under a header's worth they are zero padding.
        let first = Log.big("a", B - F - H - leftover)
        let bytes = Log.make([first, Array("bar".utf8)])
        var reader = try! WALReader(bytes: bytes)
        let records = try! reader.readAll()
        #expect(records.map(\.payload) == [first, Array("bar".utf8)])
        let expectedOffset = leftover < H ? B : B - leftover
        #expect(records[1].offset == Int64(expectedOffset))
        #expect(bytes[(B - leftover)..<expectedOffset].allSatisfy { $0 == 0 })
    }

    @Test func fourMiBRecord() {
        var rng = SeededGenerator(seed: 4)
        let record = (0..<(4 << 20)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let bytes = Log.make([Array("before".utf8), record, Array("after".utf8)])
        #expect(Log.read(bytes).records == [Array("before".utf8), record, Array("after".utf8)])
    }

    @Test func onePerBlock() {
        let records = (0..<40).map { Log.big("\($0)", B - H) }
        let outcome = Log.read(Log.make(records))
        #expect(outcome.records == records && outcome.reports.isEmpty)
    }

    @Test(arguments: modes) func sequenceOutOfOrder(mode: WALRecoveryMode) {
        var bytes = Log.make([Array("a".utf8), Array("b".utf8), Array("c".utf8)], syncAfter: [0, 1, 2])
        let second = F + H + 1
        bytes[second + 8] = 7  // sequence 2 becomes 7
        Log.fixChecksum(&bytes, fragmentAt: second)
        let expected: Expected =
            switch mode {
            case .skipCorrupted: .records([Array("a".utf8), Array("c".utf8)])
            case .pointInTime: .records([Array("a".utf8)])
            case .tolerateCorruptedTail, .absoluteConsistency: .corruption
            }
        check(bytes, mode, expected)
    }

    @Test(arguments: modes) func garbageTail(mode: WALRecoveryMode) {
        var rng = SeededGenerator(seed: 9)
        let records = (0..<20).map { Log.big("r\($0)", 300) }
        let bytes = Log.makeSynced(records) + (0..<5000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        check(bytes, mode, tail(mode, keeping: records))
    }

    @Test(arguments: modes) func bitFlipInDurableMiddle(mode: WALRecoveryMode) {
        let records = (0..<30).map { Log.big("r\($0)", 1000) }
        var bytes = Log.makeSynced(records)
        let flipped = F + 10 * (H + 1000) + H + 500  // inside record 10's payload
        bytes[flipped] ^= 0x10
        let expected: Expected =
            switch mode {
            case .skipCorrupted: .records(records.enumerated().filter { $0.offset != 10 }.map(\.element))
            case .pointInTime: .records(Array(records.prefix(10)))
            case .tolerateCorruptedTail, .absoluteConsistency: .corruption
            }
        check(bytes, mode, expected)
        if mode == .tolerateCorruptedTail {
            let error = Log.read(bytes, mode: mode).error
            #expect(error?.offset == Int64(F + 10 * (H + 1000)))
            #expect(error?.message.contains("not a torn tail") == true)
        }
    }

    @Test(arguments: modes) func lostUnsyncedWriteBeforeAKeptOne(mode: WALRecoveryMode) {
        // Two unsynced writes; the disk kept the second and lost the first (interval durability).
        let records = (0..<6).map { Log.big("r\($0)", 500) }
        var bytes = Log.make(records, syncAfter: [1])
        let third = F + 2 * (H + 500)
        for index in third..<(third + H + 500) { bytes[index] = 0 }
        check(bytes, mode, mode == .skipCorrupted ? .records(records.enumerated().filter { $0.offset != 2 }.map(\.element)) : tail(mode, keeping: Array(records.prefix(2))))
    }

    @Test(arguments: modes) func syncedToBeyondItsOwnFragment(mode: WALRecoveryMode) {
        var bytes = Log.make([Array("a".utf8)])
        bytes[F + 16 + 2] = 1  // syncedTo = 65536 > offset 36
        Log.fixChecksum(&bytes, fragmentAt: F)
        check(bytes, mode, tail(mode, keeping: []))
    }

    @Test func tornTailAtEverySectorBoundary() {
        let records = (0..<60).map { Log.big("r\($0)", 1500) }
        let bytes = Log.make(records, syncAfter: Set(records.indices))
        let ends = records.indices.map { Log.make(Array(records.prefix($0 + 1))).count }
        var cut = 512
        while cut < bytes.count {
            let outcome = Log.read(Array(bytes.prefix(cut)))
            #expect(outcome.error == nil, "cut at \(cut)")
            #expect(outcome.records == Array(records.prefix(outcome.records.count)), "cut at \(cut)")
            let complete = ends.count { $0 <= cut }
            #expect(outcome.records.count == complete, "cut at \(cut)")
            cut += 512
        }
    }

    @Test func truncationAtEveryByteGivesAPrefix() {
        let records = [Array("alpha".utf8), Log.big("beta", 40_000), Array("gamma".utf8)]
        let bytes = Log.make(records)
        for cut in stride(from: F, through: bytes.count, by: 7) {
            let outcome = Log.read(Array(bytes.prefix(cut)))
            #expect(outcome.error == nil, "cut at \(cut)")
            #expect(outcome.records == Array(records.prefix(outcome.records.count)), "cut at \(cut)")
        }
    }

    // MARK: File header

    @Test func headerDamageIsCorruption() {
        let good = Log.make([Array("x".utf8)])
        for (name, edit) in [("magic", 0), ("salt", 12), ("log number", 16), ("checksum", 33)] {
            var bytes = good
            bytes[edit] ^= 0xFF
            let outcome = Log.read(bytes)
            #expect(outcome.error?.code == .corruption, "\(name)")
            #expect(outcome.error?.offset != nil)
        }
        #expect(Log.read(Array(good.prefix(20))).error?.code == .corruption)
        #expect(Log.read([]).error?.code == .corruption)
    }

    @Test func newerVersionIsRefusedClearly() {
        var bytes = Log.make([Array("x".utf8)])
        bytes[8] = 2
        let header = Array(bytes.prefix(32))
        let crc = CRC32C.mask(CRC32C.checksum(header))
        for index in 0..<4 { bytes[32 + index] = UInt8(truncatingIfNeeded: crc >> (8 * index)) }
        let error = Log.read(bytes).error
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("version 2 is newer") == true)
    }

    @Test func unknownHeaderFlagsAreRefused() {
        var bytes = Log.make([])
        bytes[10] = 1
        let crc = CRC32C.mask(CRC32C.checksum(Array(bytes.prefix(32))))
        for index in 0..<4 { bytes[32 + index] = UInt8(truncatingIfNeeded: crc >> (8 * index)) }
        #expect(Log.read(bytes).error?.code == .unsupported)
    }

    // MARK: Reports and robustness

    @Test func reportsNameTheFileAndOffset() throws {
        let fs = SimFS()
        let bytes = Array(Log.make([Array("a".utf8), Log.big("b", 3000)]).dropLast(100))
        fs.setContents(of: Log.path, to: bytes)
        let file = try fs.open(Log.path, access: .readOnly, options: [])
        var reports: [WALReadReport] = []
        var reader = try WALReader(fileIO: fs, file: file, path: Log.path) { reports.append($0) }
        #expect(try reader.readAll().map(\.payload) == [Array("a".utf8)])
        #expect(reports == [
            WALReadReport(
                kind: .tornTail, file: Log.path, offset: Int64(F + H + 1), byteCount: Int64(bytes.count - F - H - 1),
                reason: "fragment of 3000 bytes is cut off by the end of the file")
        ])
        #expect(reader.validEnd == Int64(F + H + 1))
        #expect(reader.status == .droppedTail)
    }

    @Test(arguments: modes) func randomDamageNeverTraps(mode: WALRecoveryMode) {
        var rng = SeededGenerator(seed: 77)
        let records = (0..<40).map { Log.big("r\($0)", Int.random(in: 0..<3000, using: &rng)) }
        let good = Log.make(records, syncAfter: [5, 10, 20, 30])
        for _ in 0..<150 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                case 1: bytes.removeLast(Int.random(in: 0..<min(500, bytes.count), using: &rng))
                default:
                    let at = Int.random(in: F..<bytes.count, using: &rng)
                    for index in at..<min(bytes.count, at + 64) { bytes[index] = 0 }
                }
            }
            let outcome = Log.read(bytes, mode: mode)
            if outcome.error == nil && mode != .skipCorrupted {
                #expect(outcome.records == Array(records.prefix(outcome.records.count)))
            }
        }
    }
}
