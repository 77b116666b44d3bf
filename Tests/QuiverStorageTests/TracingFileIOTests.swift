import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

/// The tracer behind T16's real-trace tests: its manifest annotations come from decoding what
/// the manifest and the log actually wrote.
@Suite struct TracingFileIOTests {
    private typealias Event = IOOrderingAuditor.Event
    static let directory: FilePath = "/data"
    static let layout = DataDirectoryLayout(root: directory)

    private static func manifestWrites(_ trace: [Event]) -> [Event] {
        trace.filter { if case .manifestWrite = $0 { true } else { false } }
    }

    /// Appends, rolls and checkpoints are annotated with the segments they reference and drop and
    /// the log files they retire.
    @Test func manifestWritesAreAnnotatedFromTheDecodedState() throws {
        let fs = SimFS()
        try fs.createDirectory(Self.directory)
        let tracer = TracingFileIO(wrapping: fs)
        let wal = try WAL.open(directory: Self.directory, fileIO: tracer) { _ in }
        for i in 0..<3 { try wal.append([UInt8(i)]) }  // 1...3 in 000001.wal
        try wal.rotate()
        try wal.append([9])  // 4 in 000002.wal
        try wal.rotate()  // 000003.wal, empty

        var configuration = ManifestConfiguration()
        configuration.rollSize = 1
        // With roll size 1 the manifest rolls once it has doubled its first snapshot: the second
        // edit below goes into MANIFEST-000002, as that file's snapshot.
        let manifest = try Manifest.create(
            fileIO: tracer, layout: Self.layout, initial: ManifestEdit(), configuration: configuration)
        try manifest.apply(
            ManifestEdit(
                checkpointSequence: 2, addedSegments: [ManifestEditTests.segment(5), ManifestEditTests.segment(6)]))
        try manifest.apply(ManifestEdit(checkpointSequence: 3, removedSegments: [5]))
        try manifest.apply(ManifestEdit(checkpointSequence: 4, addedSegments: [ManifestEditTests.segment(7)]))
        #expect(manifest.number == 2)

        let trace = tracer.trace(of: Self.directory)
        #expect(
            Self.manifestWrites(trace) == [
                .manifestWrite("MANIFEST-000001", references: [], dropping: [], retiring: []),
                // Checkpoint 2 is inside 000001.wal: nothing is retired yet.
                .manifestWrite(
                    "MANIFEST-000001", references: ["000005.seg", "000006.seg"], dropping: [], retiring: []),
                // The roll's snapshot references everything it holds and drops what it lost.
                .manifestWrite(
                    "MANIFEST-000002", references: ["000006.seg"], dropping: ["000005.seg"], retiring: ["000001.wal"]),
                // The newest log file (empty) is never retired, the one before it is.
                .manifestWrite(
                    "MANIFEST-000002", references: ["000007.seg"], dropping: [], retiring: ["000001.wal", "000002.wal"]),
            ])
        #expect(trace.contains(.rename("000002.tmp", to: "CURRENT")))
        #expect(trace.contains(.remove("MANIFEST-000001")))
        #expect(tracer.problems.isEmpty, "\(tracer.problems)")
        #expect(IOOrderingAuditor().audit(tracer.trace(of: Self.directory)).isEmpty)
        try manifest.close()
        try wal.close()
    }

    /// Plain appends to one manifest file are diffed against the file's previous state.
    @Test func appendsAreDiffedAgainstThePreviousRecord() throws {
        let fs = SimFS()
        try fs.createDirectory(Self.directory)
        let tracer = TracingFileIO(wrapping: fs)
        let manifest = try Manifest.create(
            fileIO: tracer, layout: Self.layout, initial: ManifestEdit(addedSegments: [ManifestEditTests.segment(3)]))
        try manifest.apply(ManifestEdit(addedSegments: [ManifestEditTests.segment(4)], removedSegments: [3]))
        let writes = Self.manifestWrites(tracer.trace(of: Self.directory))
        #expect(
            writes == [
                .manifestWrite("MANIFEST-000001", references: ["000003.seg"], dropping: [], retiring: []),
                .manifestWrite("MANIFEST-000001", references: ["000004.seg"], dropping: ["000003.seg"], retiring: []),
            ])
        try manifest.close()
    }

    /// A directory that already has a manifest starts its trace with that manifest, synced, so
    /// removing a file it references breaks rule 5.
    @Test func anExistingManifestSeedsTheTrace() throws {
        let fs = SimFS()
        try fs.createDirectory(Self.directory)
        let manifest = try Manifest.create(
            fileIO: fs, layout: Self.layout, initial: ManifestEdit(addedSegments: [ManifestEditTests.segment(3)]))
        try manifest.close()
        let segment = try fs.open(Self.layout.segmentFile(3), access: .readWrite, options: [.create])
        try fs.close(segment)
        let tracer = TracingFileIO(wrapping: fs)
        try tracer.remove(Self.layout.segmentFile(3))
        let trace = tracer.trace(of: Self.directory)
        #expect(
            trace == [
                .manifestWrite("MANIFEST-000001", references: ["000003.seg"], dropping: [], retiring: []),
                .sync("MANIFEST-000001"), .remove("000003.seg"),
            ])
        #expect(IOOrderingAuditor().audit(trace).map(\.rule) == [5])
    }
}
