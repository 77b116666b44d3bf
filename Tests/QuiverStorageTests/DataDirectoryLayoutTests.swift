import QuiverStorage
import SystemPackage
import Testing

@Suite struct DataDirectoryLayoutTests {
    private let layout = DataDirectoryLayout(root: "/data")

    @Test func namesFiles() {
        #expect(layout.walFile(1) == "/data/000001.wal")
        #expect(layout.walFile(1_234_567) == "/data/1234567.wal")
        #expect(layout.segmentFile(42) == "/data/000042.seg")
        #expect(layout.manifestFile(7) == "/data/MANIFEST-000007")
        #expect(layout.currentFile == "/data/CURRENT")
        #expect(layout.lockFile == "/data/LOCK")
        #expect(layout.temporaryFile(3) == "/data/000003.tmp")
    }

    static let kinds: [DataDirectoryLayout.FileKind] = [
        .wal(0), .wal(1), .wal(999_999), .wal(1_000_000), .wal(.max), .segment(5), .manifest(12), .current, .lock, .temporary(8),
    ]

    @Test(arguments: kinds)
    func parsesItsOwnNames(kind: DataDirectoryLayout.FileKind) {
        #expect(DataDirectoryLayout.parse(DataDirectoryLayout.name(of: kind)) == kind)
    }

    @Test(arguments: [
        "", "1.wal", "00001.wal", "0000001.wal", "-00001.wal", "+00001.wal", "000001.WAL", "000001.wal.bak", "abcdef.wal",
        "18446744073709551616.wal", "MANIFEST-", "MANIFEST-1", "CURRENT.tmp", "LOCK2", ".wal", "000001", "000001.log",
    ])
    func rejectsForeignAndNonCanonicalNames(name: String) {
        #expect(DataDirectoryLayout.parse(name) == nil)
    }

    @Test func listsWALNumbersInOrder() {
        let names = ["000010.wal", "CURRENT", "000002.wal", "junk", "000003.seg", "000001.wal"]
        #expect(DataDirectoryLayout.walNumbers(in: names) == [1, 2, 10])
    }
}
