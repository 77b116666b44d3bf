import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

/// Reader paths the T1 corpus does not reach (T18): the default reporters, read failures, a file
/// that shrinks while read, a fragment of another record, a header whose first sequence is 0, a
/// file ending inside block padding or with a short zero tail.
extension WALReaderTests {
    /// A torn log: two records, the second cut short.
    static var torn: [UInt8] { Array(WALTestLog.make([[1, 2, 3], WALTestLog.big("torn", 500)]).dropLast(100)) }

    @Test func readersWithoutAReporterStillDropATornTail() throws {
        var fromBytes = try WALReader(bytes: Self.torn)
        #expect(try fromBytes.readAll().map(\.payload) == [[1, 2, 3]])
        #expect(fromBytes.status == .droppedTail)

        let fs = SimFS()
        fs.setContents(of: WALTestLog.path, to: Self.torn)
        let file = try fs.open(WALTestLog.path, access: .readOnly, options: [])
        var fromFile = try WALReader(fileIO: fs, file: file, path: WALTestLog.path)
        #expect(try fromFile.readAll().map(\.payload) == [[1, 2, 3]])
        #expect(fromFile.status == .droppedTail)
        try fs.close(file)
    }

    @Test func aFailedHeaderReadNamesTheFile() throws {
        let fs = SimFS()
        fs.setContents(of: WALTestLog.path, to: WALTestLog.make([[1]]))
        let io = FaultyFileIO(wrapping: fs, rules: [.init([.read], .once(1), .error(.ioError))])
        let file = try io.open(WALTestLog.path, access: .readOnly, options: [])
        let error = expectStorageError(.io(.ioError)) { try WALReader(fileIO: io, file: file, path: WALTestLog.path) }
        #expect(error?.file == WALTestLog.path)
        try io.close(file)
    }

    @Test func aFileThatShrinksWhileReadIsAnIOError() throws {
        let fs = SimFS()
        let bytes = WALTestLog.make([WALTestLog.big("long", 50_000), [7]])
        fs.setContents(of: WALTestLog.path, to: bytes)
        let file = try fs.open(WALTestLog.path, access: .readOnly, options: [])
        var reader = try WALReader(fileIO: fs, file: file, path: WALTestLog.path)
        fs.setContents(of: WALTestLog.path, to: Array(bytes.prefix(1000)))
        let error = expectStorageError(.io(.ioError)) { try reader.next() }
        #expect(error?.message == "file shrank while being read" && error?.file == WALTestLog.path)
        try fs.close(file)
    }

    @Test(arguments: modes)
    func aFragmentOfAnotherRecord(mode: WALRecoveryMode) {
        // A record over two blocks whose second fragment claims another sequence number.
        var bytes = WALTestLog.make([WALTestLog.big("split", 40_000)])
        bytes.replaceSubrange((B + 8)..<(B + 16), with: withUnsafeBytes(of: UInt64(9).littleEndian, Array.init))
        WALTestLog.fixChecksum(&bytes, fragmentAt: B)
        let outcome = WALTestLog.read(bytes, mode: mode)
        #expect(outcome.records.isEmpty)
        if mode == .absoluteConsistency {
            #expect(outcome.error?.code == .corruption)
        } else {
            #expect(outcome.reports.first?.reason == "fragment of a different record", "\(outcome.reports)")
        }
    }

    @Test(arguments: modes)
    func aHeaderStartingAtSequenceZero(mode: WALRecoveryMode) {
        // Records numbered from 1 under a header that says the file starts at 0: none is expected.
        var bytes = WALTestLog.make([[1], [2]])
        var header = try! WALFileHeader.decode(ArraySlice(bytes.prefix(F)))
        header.firstSequence = 0
        bytes.replaceSubrange(0..<F, with: header.encoded())
        let outcome = WALTestLog.read(bytes, mode: mode)
        if mode == .skipCorrupted {
            // Salvage takes any increasing sequence after skipped damage.
            #expect(outcome.records.count <= 2)
        } else {
            #expect(outcome.records.isEmpty, "\(mode): \(outcome.records)")
        }
        #expect(outcome.error != nil || !outcome.reports.isEmpty)
    }

    @Test(arguments: modes)
    func aFileEndingInsideBlockPadding(mode: WALRecoveryMode) {
        // The first record leaves 10 bytes of its block: too few for a header, so they are padding.
        let first = WALTestLog.big("pad", B - 10 - F - H)
        let bytes = WALTestLog.make([first, [1, 2, 3]])
        #expect(bytes.count > B)
        let cut = Array(bytes.prefix(B - 5))
        let outcome = WALTestLog.read(cut, mode: mode)
        if mode == .absoluteConsistency {
            #expect(outcome.error?.code == .corruption)
        } else {
            #expect(outcome.records == [first])
            #expect(outcome.reports.map(\.reason) == ["file ends inside block padding"])
        }
    }

    @Test func aShortZeroTailIsNotDamage() {
        let bytes = WALTestLog.make([[1, 2, 3]]) + [UInt8](repeating: 0, count: H - 1)
        for mode in Self.modes {
            let outcome = WALTestLog.read(bytes, mode: mode)
            #expect(outcome.error == nil && outcome.records == [[1, 2, 3]], "\(mode)")
            #expect(outcome.reports.map(\.kind) == [.zeroFilledTail], "\(mode)")
        }
    }
}

extension WALReaderTests {
    @Test func aHeaderOfVersionZeroIsCorruption() {
        var header = WALFileHeader(salt: 1, logNumber: 1, firstSequence: 1)
        header.version = 0
        let error = expectStorageError(.corruption) { try WALReader(bytes: header.encoded()) }
        #expect(error?.message == "WAL format version 0 does not exist")
    }
}
