import QuiverStorage
import Testing

@Suite struct OrphanFilesTests {
    @Test func listsTemporariesUnlistedSegmentsAndOldManifests() throws {
        let fs = try SegmentTestData.makeFS()
        let manifest = try Manifest.create(
            fileIO: fs, layout: SegmentTestData.layout,
            initial: ManifestEdit(addedSegments: [ManifestEditTests.segment(3), ManifestEditTests.segment(5)]))
        #expect(manifest.number == 1)
        let names = [
            "CURRENT", "LOCK", "000001.wal", "000009.wal", "000003.seg", "000004.seg", "000005.seg", "000006.tmp",
            "MANIFEST-000001",
            "MANIFEST-000002", "notes.txt", "3.seg", "000007.seg.bak",
        ]
        #expect(orphanFiles(in: names, state: manifest.state) == ["000004.seg", "000006.tmp", "MANIFEST-000002"])
    }
}
