import QuiverStorage
import QuiverTestSupport
import Synchronization
import SystemPackage
import Testing

@testable import QuiverEngine

/// When a segment that compaction dropped leaves the disk (T16 rule 5), and what readers that
/// still hold it see.
///
/// The engine removes a dropped segment's name right after the synced manifest edit that drops
/// it, also while older snapshots still use it: a segment is read only through its mapping (no
/// descriptor stays open, nothing reopens it by name), and a mapping keeps an unlinked file's
/// pages until it is unmapped, when the last snapshot holding the segment is released. A name
/// that could not be removed is an orphan, removed by the next open.
@Suite struct SegmentLifetimeTests {
    private static func segmentName(_ number: UInt64) -> String { DataDirectoryLayout.name(of: .segment(number)) }

    /// Four flushed segments of 100 rows each, every ninth row deleted.
    private static func fourSegments(_ engine: StorageEngine, _ rows: KeyedRows) throws {
        try makeCollection(engine, dimension: rows.dimension)
        for chunk in 0..<4 {
            try insert(rows, chunk * 100..<(chunk + 1) * 100, into: engine)
            for i in stride(from: chunk * 100, to: (chunk + 1) * 100, by: 9) {
                try engine.delete(rows.key(i), in: "items")
            }
            try engine.flush()
        }
    }

    private static func live(_ i: Int) -> Bool { i % 100 % 9 != 0 }

    /// A snapshot taken before a compaction answers the same during it and after its inputs are
    /// unlinked; the unlinks follow the manifest edit; the pages go when the snapshot does.
    @Test func anOldSnapshotSearchesThroughCompactionAndTheUnlink() throws {
        let rows = KeyedRows(count: 400)
        try withTemporaryDirectory { dir in
            do {
                let tracer = TracingFileIO(wrapping: PosixFileIO())
                var options = testOptions()
                options.fileIO = tracer
                let engine = try StorageEngine.open(directory: dir, options: options)
                try Self.fourSegments(engine, rows)
                let inputs = try engine.segmentNumbers(in: "items")
                #expect(inputs.count == 4)
                let queries = (0..<20).map { rows.vector($0 * 19 + 1) }
                var snapshot: Snapshot? = engine.snapshot()
                let expected = try queries.map {
                    try snapshot!.search($0, k: 5, ef: 64, in: "items", withAttributes: true)
                }
                let liveCount = (0..<400).count(where: Self.live)
                #expect(try snapshot!.count(in: "items") == liveCount)

                let done = Atomic<Bool>(false)
                let failure = Mutex<EngineError?>(nil)
                let compactor = TestThread {
                    do throws(EngineError) { try engine.compact("items") } catch { failure.withLock { $0 = error } }
                    done.store(true, ordering: .releasing)
                }
                var rounds = 0
                repeat {
                    for (query, hits) in zip(queries, expected) {
                        #expect(try snapshot!.search(query, k: 5, ef: 64, in: "items", withAttributes: true) == hits)
                    }
                    rounds += 1
                } while !done.load(ordering: .acquiring)
                compactor.join()
                #expect(failure.withLock { $0 } == nil)
                #expect(rounds >= 1)

                // The inputs' names are gone, the engine holds one segment, the old snapshot still reads.
                let names = try PosixFileIO().contentsOfDirectory(dir)
                for number in inputs { #expect(!names.contains(Self.segmentName(number))) }
                #expect(try engine.segmentCount(in: "items") == 1)
                for (query, hits) in zip(queries, expected) {
                    #expect(try snapshot!.search(query, k: 5, ef: 64, in: "items", withAttributes: true) == hits)
                }
                #expect(try snapshot!.get(rows.key(1), in: "items")?.vector == rows.vector(1))
                #expect(try snapshot!.get(rows.key(9), in: "items") == nil)
                #expect(try snapshot!.count(in: "items") == liveCount)
                #expect(try engine.count(in: "items") == liveCount)

                // Unlinked while mapped: the snapshot's mappings of exactly the inputs remain, and no
                // descriptor (segments are read through their mappings only).
                let deleted = Set(ResourceBaseline.mappedFiles(under: dir.string).filter { $0.hasSuffix(" (deleted)") })
                #expect(deleted == Set(inputs.map { dir.appending(Self.segmentName($0)).string + " (deleted)" }))
                #expect(
                    ResourceBaseline.openFiles(under: dir.string).allSatisfy {
                        !$0.hasSuffix(".seg") && !$0.hasSuffix(" (deleted)")
                    })

                // Each input was removed after the sync of the manifest edit that dropped it.
                let trace = tracer.trace(of: dir)
                #expect(IOOrderingAuditor().audit(trace).isEmpty)
                for number in inputs {
                    let name = Self.segmentName(number)
                    let removed = try #require(trace.firstIndex(of: .remove(name)))
                    let dropped = try #require(
                        trace.firstIndex {
                            if case .manifestWrite(_, _, let dropping, _) = $0 {
                                dropping.contains(name)
                            } else {
                                false
                            }
                        })
                    guard case .manifestWrite(let manifest, _, _, _) = trace[dropped] else { continue }
                    let synced = try #require(trace[dropped...].firstIndex(of: .sync(manifest)))
                    #expect(synced < removed)
                }

                snapshot = nil
                #expect(ResourceBaseline.mappedFiles(under: dir.string).filter { $0.hasSuffix(" (deleted)") }.isEmpty)
                try engine.close()
                // A closed engine still serves reads from its mappings until it is released.
                #expect(ResourceBaseline(directory: dir.string).descriptors == 0)
            }
            #expect(ResourceBaseline(directory: dir.string) == ResourceBaseline(descriptors: 0, mappings: 0))
        }
    }

    /// A dropped segment whose unlink failed stays behind, unreferenced, and the next open
    /// removes it and nothing the manifest lists.
    @Test func aFailedUnlinkLeavesAnOrphanTheNextOpenRemoves() throws {
        let rows = KeyedRows(count: 400)
        try withTemporaryDirectory { dir in
            let faulty = FaultyFileIO(wrapping: PosixFileIO())
            var options = testOptions()
            options.fileIO = faulty
            let inputs: [UInt64]
            do {
                let engine = try StorageEngine.open(directory: dir, options: options)
                try Self.fourSegments(engine, rows)
                inputs = try engine.segmentNumbers(in: "items")
                faulty.inject(FaultyFileIO.Rule([.remove], .from(1), .error(.ioError)))
                try engine.compact("items")
                faulty.clearFaults()
                #expect(faulty.trace.count { $0.operation == .remove && $0.fault != nil } == inputs.count)
                let names = try PosixFileIO().contentsOfDirectory(dir)
                let listed = try Manifest.read(fileIO: PosixFileIO(), layout: DataDirectoryLayout(root: dir)).state
                #expect(listed.segments.count == 1)
                #expect(orphanFiles(in: names, state: listed) == inputs.map(Self.segmentName).sorted())
                try expectSelfHits(engine, rows, (0..<400).filter(Self.live))
                try engine.close()
            }
            let tracer = TracingFileIO(wrapping: PosixFileIO())
            options.fileIO = tracer
            let engine = try StorageEngine.open(directory: dir, options: options)
            let names = try PosixFileIO().contentsOfDirectory(dir)
            let listed = try Manifest.read(fileIO: PosixFileIO(), layout: DataDirectoryLayout(root: dir)).state
            #expect(
                Set(names.filter { $0.hasSuffix(".seg") }) == Set(listed.segments.map { Self.segmentName($0.number) }))
            let trace = tracer.trace(of: dir)
            for number in inputs { #expect(trace.contains(.remove(Self.segmentName(number)))) }
            #expect(IOOrderingAuditor().audit(trace).isEmpty)
            #expect(try engine.count(in: "items") == (0..<400).count(where: Self.live))
            try engine.close()
        }
    }

    /// Orphan cleanup at open removes unpublished files only: a stray segment and temporary file
    /// go, every segment the manifest lists stays (rule 5 on the reopen's trace).
    @Test func openRemovesStrayFilesAndKeepsListedSegments() throws {
        let rows = KeyedRows(count: 200)
        try withTemporaryDirectory { dir in
            do {
                let engine = try StorageEngine.open(directory: dir, options: testOptions())
                try makeCollection(engine, dimension: rows.dimension)
                try insert(rows, 0..<100, into: engine)
                try engine.flush()
                try insert(rows, 100..<200, into: engine)
                try engine.close()
            }
            let io = PosixFileIO()
            for name in ["000999.seg", "000998.tmp"] {
                let file = try io.open(dir.appending(name), access: .readWrite, options: [.create])
                try io.write(file, toAbsoluteOffset: 0, [1, 2, 3])
                try io.close(file)
            }
            let listed = try Manifest.read(fileIO: io, layout: DataDirectoryLayout(root: dir)).state.segments
            #expect(listed.count == 2)
            let tracer = TracingFileIO(wrapping: io)
            var options = testOptions()
            options.fileIO = tracer
            let engine = try StorageEngine.open(directory: dir, options: options)
            let names = Set(try io.contentsOfDirectory(dir))
            #expect(!names.contains("000999.seg") && !names.contains("000998.tmp"))
            for segment in listed { #expect(names.contains(Self.segmentName(segment.number))) }
            let trace = tracer.trace(of: dir)
            #expect(trace.contains(.remove("000999.seg")) && trace.contains(.remove("000998.tmp")))
            #expect(IOOrderingAuditor().audit(trace).isEmpty)
            #expect(try engine.count(in: "items") == 200)
            try engine.close()
        }
    }
}
