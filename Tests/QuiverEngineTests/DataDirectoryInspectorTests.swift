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

    /// Key sections for `keys` (empty for a row without a key), `order` as given.
    private static func check(
        _ keys: [String], order: [UInt32], offsets: [UInt32]? = nil, live: Set<Int>? = nil
    ) throws -> [String] {
        let index = try HNSWIndex(HNSWConfiguration(dimension: 2, metric: .l2))
        let ids = try keys.indices.map { (i) throws(IndexError) in try index.add([Float(i), 1]) }
        #expect(ids == Array(0..<UInt32(keys.count)))
        // Removed after every add: a purge may free the slot, which a later add would reuse.
        for i in keys.indices where !(live ?? Set(keys.indices.filter { !keys[$0].isEmpty })).contains(i) {
            try index.remove(ids[i])
        }
        let bytes = keys.flatMap { Array($0.utf8) }
        var ends: [UInt32] = [0]
        for key in keys { ends.append(ends.last! + UInt32(key.utf8.count)) }
        let offsetBytes = (offsets ?? ends).flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
        let orderBytes = order.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
        return bytes.withUnsafeBytes { b in
            offsetBytes.withUnsafeBytes { o in
                orderBytes.withUnsafeBytes { r in
                    DataDirectoryInspector.keyTableProblems(
                        MappedKeys(bytes: b, offsets: o, order: r, slotCount: keys.count), index: index
                    ).map { "\($0.0.rawValue): \($0.1)" }
                }
            }
        }
    }

    @Test func keyTablesAreChecked() throws {
        let good = try Self.check(["b", "", "a", "c"], order: [2, 0, 3])
        #expect(good == [], "\(good)")
        #expect(
            try Self.check(["b", "", "a", "c"], order: [0, 2, 3]).contains(
                "10: the key order is not strictly ascending at entry 1 (row 2)"))
        #expect(
            try Self.check(["b", "", "a", "c"], order: [2, 0]).contains(
                "10: the key order lists 2 rows, 3 rows have keys"))
        #expect(
            try Self.check(["b", "", "a", "c"], order: [2, 1, 3]).contains(
                "10: entry 1 of the key order names row 1, which has no key"))
        #expect(
            try Self.check(["b", "a", "a"], order: [1, 2, 0]).contains(
                "10: the key order is not strictly ascending at entry 1 (row 2)"))
        #expect(
            try Self.check(["a", "b"], order: [0, 1], offsets: [0, 2, 1]) == [
                "7: the key offsets of row 1 (2..<1) decrease or pass the 2 key bytes"
            ])
        #expect(
            try Self.check(["a", "b"], order: [0, 1], offsets: [1, 1, 2]).contains(
                "7: the first key offset is 1, not 0"))
        #expect(try Self.check(["a", "b"], order: [0, 1], live: [0]) == ["6: row 1 has a key but no live vector"])
        #expect(try Self.check(["a", ""], order: [0], live: [0, 1]) == ["6: live row 1 has no key"])
    }
}
