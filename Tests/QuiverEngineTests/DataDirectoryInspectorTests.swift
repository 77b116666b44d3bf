import QuiverIndex
import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

@testable import QuiverEngine

/// The read-only inspector and verifier behind `quiver inspect` / `quiver verify`, and the one
/// repair `--fix` makes. (The CLI tests cover each kind of damage on real files.)
@Suite struct DataDirectoryInspectorTests {
    static let directory: FilePath = "/data"

    /// A directory on `SimFS` with two flushed segments (the second deleting 5 rows of the first)
    /// and 3 records left in the log.
    static func simulatedDirectory() throws -> SimFS {
        let fs = SimFS()
        try fs.createDirectory(directory)
        var options = testOptions()
        options.fileIO = fs
        let rows = KeyedRows(count: 80)
        let engine = try StorageEngine.open(directory: directory, options: options)
        try makeCollection(engine, dimension: rows.dimension)
        try insert(rows, 0..<60, into: engine)
        try engine.flush()
        for i in 0..<5 { try engine.delete(rows.key(i), in: "items") }
        try insert(rows, 60..<77, into: engine)
        try engine.flush()
        for i in 77..<80 { try insert(rows, i..<(i + 1), into: engine) }
        try engine.abandonForTesting()
        return fs
    }

    @Test func verifyingWritesNothingAndFindsNothingWrong() throws {
        let fs = try Self.simulatedDirectory()
        let mutations = fs.mutationCount
        let handles = fs.openHandleCount
        let inspector = DataDirectoryInspector(directory: Self.directory, fileIO: fs)
        let report = try inspector.verify()
        #expect(fs.mutationCount == mutations, "verify wrote to the file system")
        #expect(fs.openHandleCount == handles)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.isVerified && report.lock == .free)
        let segments = try #require(report.collections.first { $0.name == "items" }).segments
        #expect(segments.map(\.rows) == [60, 17])
        #expect(segments.map(\.liveRows) == [55, 17])
        #expect(segments.map(\.tombstones) == [0, 5])
        #expect(report.logs.last?.records == 3 && report.logs.last?.recordsAfterCheckpoint == 3)
        #expect(report.missing.isEmpty && report.orphans.isEmpty)
        #expect(try inspector.inspect().collections == report.collections)
    }

    @Test func repairTruncatesOnlyATornTailOfTheNewestLog() throws {
        let fs = try Self.simulatedDirectory()
        #expect(try DataDirectoryRepair.truncateTornLogTail(directory: Self.directory, fileIO: fs) == nil)
        let layout = DataDirectoryLayout(root: Self.directory)
        let newest = try #require(DataDirectoryLayout.walNumbers(in: try fs.contentsOfDirectory(Self.directory)).last)
        let path = layout.walFile(newest)
        let full = try #require(fs.contents(of: path))
        fs.setContents(of: path, to: Array(full.dropLast(7)))

        let damaged = try DataDirectoryInspector(directory: Self.directory, fileIO: fs).verify()
        let torn = try #require(damaged.findings.first { $0.isFixable })
        #expect(torn.severity == .damage && torn.file == DataDirectoryLayout.name(of: .wal(newest)))
        #expect(fs.contents(of: path)?.count == full.count - 7, "verify truncated the log")

        let truncation = try #require(
            try DataDirectoryRepair.truncateTornLogTail(directory: Self.directory, fileIO: fs))
        #expect(truncation.oldSize == Int64(full.count - 7))
        #expect(fs.contents(of: path)?.count == Int(truncation.newSize))
        let repaired = try DataDirectoryInspector(directory: Self.directory, fileIO: fs).verify()
        #expect(repaired.findings.isEmpty, "\(repaired.findings)")
        #expect(repaired.logs.last?.records == 2)

        var options = testOptions()
        options.fileIO = fs
        let engine = try StorageEngine.open(directory: Self.directory, options: options)
        #expect(try DataDirectoryInspector(directory: Self.directory, fileIO: fs).inspect().lock == .inUse)
        #expect(throws: EngineError.self) {
            try DataDirectoryRepair.truncateTornLogTail(directory: Self.directory, fileIO: fs)
        }
        #expect(try engine.count(in: "items") == 55 + 17 + 2)
        try engine.close()
    }

    // MARK: Key tables

    /// The problems found in a key section of `keys` (sorted) over an index of `rows` rows of
    /// which those in `live` are live.
    private static func check(_ keys: [String], rows: Int, live: Set<Int>, damage: ((inout [UInt8]) -> Void)? = nil) throws -> [String] {
        let index = try HNSWIndex(HNSWConfiguration(dimension: 2, metric: .l2))
        let ids = try (0..<rows).map { (i) throws(IndexError) in try index.add([Float(i), 1]) }
        // Removed after every add: a purge may free the slot, which a later add would reuse.
        for i in 0..<rows where !live.contains(i) { try index.remove(ids[i]) }
        var bytes = SortedKeySection.encode(keys.map { Array($0.utf8) })
        damage?(&bytes)
        return bytes.withUnsafeBytes { raw in
            guard let section = SortedKeys(raw) else { return ["unreadable"] }
            return DataDirectoryInspector.keyTableProblems(section, index: index).map { "\($0.0.rawValue): \($0.1)" }
        }
    }

    @Test func keyTablesAreChecked() throws {
        #expect(try Self.check(["a", "b", "c"], rows: 4, live: [0, 1, 2]) == [])
        #expect(try Self.check(["a", "b"], rows: 2, live: [0]) == ["6: row 1 has a key but no live vector"])
        #expect(try Self.check(["a"], rows: 2, live: [0, 1]) == ["6: live row 1 has no key"])
        let swapped = try Self.check(["a", "b", "c"], rows: 3, live: [0, 1, 2]) { bytes in
            // Entries are [shared, unshared, byte]: make the second key "c", the third "b".
            bytes[5] = UInt8(ascii: "c")
            bytes[8] = UInt8(ascii: "b")
        }
        #expect(swapped == ["6: key 2 does not ascend"], "\(swapped)")
    }
}
