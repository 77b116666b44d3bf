import Foundation
import QuiverEngine
import QuiverStorage
import SystemPackage
import Testing

/// `quiver wal-dump`: one line per record, damage and undecodable records printed, never fatal.
@Suite(.enabled(if: QuiverProcess.executable != nil, "the quiver executable is not built next to the tests"))
struct WALDumpCommandTests {
    /// The record lines (`FILE:OFFSET seq=N bytes=B ...`) of a dump.
    private func records(_ output: String) -> [Substring] {
        output.split(separator: "\n").filter { $0.contains(" seq=") }
    }

    @Test func printsEachRecordWithFileOffsetSequenceSizeAndOperations() throws {
        let db = try EngineDirectory()
        let result = try QuiverProcess.run(["wal-dump", db.path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = records(result.stdout)
        #expect(lines.count == EngineDirectory.unflushedRecords, "\(result.stdout)")
        let newest = try #require(try db.names(endingIn: ".wal").last)
        #expect(lines.first?.hasPrefix("\(newest):36 seq=") == true, "\(result.stdout)")
        #expect(lines.first?.hasSuffix("upsert docs: k160") == true, "\(result.stdout)")
        #expect(lines.last?.hasSuffix("upsert docs: k164") == true)
        #expect(result.stdout.contains("\(newest): "))
        #expect(result.stdout.hasSuffix("5 records from 1 log file\n"), "\(result.stdout)")

        let limited = try QuiverProcess.run(["wal-dump", db.path, "--limit", "2"])
        #expect(limited.status == 0)
        #expect(records(limited.stdout).count == 2)
        #expect(limited.stdout.contains("(stopped at --limit)"))
        let usage = try QuiverProcess.run(["wal-dump", db.path, "--limit", "-1"])
        #expect(usage.status == 64, "\(usage.stderr)")
    }

    @Test func damagedAndUndecodableRecordsArePrintedAndReadingGoesOn() throws {
        let db = try EngineDirectory()
        let newest = try #require(try db.names(endingIn: ".wal").last)
        // The first record's payload: later records follow it, so this is damage, not a torn tail.
        try db.flipByte(in: newest, at: 36 + 24 + 10)
        let result = try QuiverProcess.run(["wal-dump", db.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\(newest):36 skipped"), "\(result.stdout)")
        #expect(result.stdout.contains("(damaged region): checksum mismatch"), "\(result.stdout)")
        #expect(records(result.stdout).count == EngineDirectory.unflushedRecords - 1, "\(result.stdout)")

        // A record that passes its checksum but is not a write batch.
        let directory = try TemporaryDirectory()
        let wal = try WAL.open(directory: FilePath(directory.path(""))) { _ in }
        _ = try wal.append([0xFF, 1, 2, 3])
        _ = try wal.append([1, 0, 0, 0, 0])
        try wal.close()
        let raw = try QuiverProcess.run(["wal-dump", directory.path("")])
        #expect(raw.status == 0, "\(raw.stderr)")
        let lines = records(raw.stdout)
        #expect(lines.count == 2, "\(raw.stdout)")
        #expect(lines.first?.contains("seq=1 bytes=4 cannot decode: write batch format 255") == true, "\(raw.stdout)")
        #expect(lines.last?.hasSuffix("seq=2 bytes=5 empty batch") == true, "\(raw.stdout)")
    }

    @Test func missingDirectoryExits66() throws {
        let directory = try TemporaryDirectory()
        let result = try QuiverProcess.run(["wal-dump", directory.path("none")])
        #expect(result.status == 66 && result.stderrLines.count == 1, "\(result.stderr)")
    }
}
