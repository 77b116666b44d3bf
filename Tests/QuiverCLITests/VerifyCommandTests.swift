import Foundation
import QuiverEngine
import Testing

/// `quiver verify` (reliability spec T15): clean directories exit 0; each kind of damage exits 1
/// naming the file; `--fix` truncates only a torn tail of the newest log file.
@Suite(.enabled(if: QuiverProcess.executable != nil, "the quiver executable is not built next to the tests"))
struct VerifyCommandTests {
    /// Runs `quiver verify arguments` and expects `status`, one damage line naming `file` and
    /// containing `fragment`, and no changed file unless `--fix` is among the arguments.
    @discardableResult
    private func expectVerify(
        _ db: EngineDirectory, _ arguments: [String] = [], status: Int32, naming file: String? = nil,
        containing fragment: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> QuiverProcess.Result {
        let before = try db.snapshot()
        let result = try QuiverProcess.run(["verify", db.path] + arguments)
        #expect(result.status == status, "\(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.isEmpty, "\(result.stderr)", sourceLocation: sourceLocation)
        if let file {
            let damage = result.stdout.split(separator: "\n").filter { $0.hasPrefix("damage: \(file)") }
            #expect(!damage.isEmpty, "\(result.stdout)", sourceLocation: sourceLocation)
            if let fragment {
                #expect(damage.contains { $0.contains(fragment) }, "\(result.stdout)", sourceLocation: sourceLocation)
            }
        }
        if !arguments.contains("--fix") {
            #expect(try db.snapshot() == before, "verify changed the directory", sourceLocation: sourceLocation)
        }
        return result
    }

    private func segmentSection(_ db: EngineDirectory, kind: String) throws -> (file: String, offset: Int, length: Int)
    {
        let report = try DataDirectoryInspector(directory: db.path).inspect()
        let segment = try #require(report.collections.first?.segments.first)
        let section = try #require(segment.sections?.first { $0.kind == kind })
        return (segment.file, section.offset, section.length)
    }

    @Test func aCleanDirectoryExitsZero() throws {
        let db = try EngineDirectory()
        let result = try expectVerify(db, status: 0)
        #expect(result.stdout.hasSuffix(": clean\n"), "\(result.stdout)")
        #expect(result.stdout.contains("1 collection, 2 segments, 1 log file (5 records)"), "\(result.stdout)")
    }

    @Test(arguments: ["2 (vectors)", "4 (graphNodes)", "6 (keys)", "8 (attributes)"])
    func aFlippedSegmentByteIsDamageNamingTheSection(kind: String) throws {
        let db = try EngineDirectory()
        let section = try segmentSection(db, kind: kind)
        try db.flipByte(in: section.file, at: section.offset + section.length / 2)
        try expectVerify(
            db, status: 1, naming: section.file,
            containing: "at offset \(section.offset): section \(kind) checksum mismatch")
    }

    @Test func aTruncatedSegmentIsDamage() throws {
        let db = try EngineDirectory()
        let name = try #require(try db.names(endingIn: ".seg").first)
        try db.truncate(name, to: try db.size(of: name) - 100)
        try expectVerify(db, status: 1, naming: name, containing: "truncated")
    }

    @Test func aMissingSegmentIsDamageAndAnOrphanAWarning() throws {
        let db = try EngineDirectory()
        let name = try #require(try db.names(endingIn: ".seg").last)
        try FileManager.default.removeItem(atPath: db.file(name))
        try expectVerify(db, status: 1, naming: name, containing: "missing")

        let other = try EngineDirectory()
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: other.file("000999.tmp")))
        let result = try expectVerify(other, status: 0)
        #expect(result.stdout.contains("warning: 000999.tmp: orphan file"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("clean (1 warning)\n"), "\(result.stdout)")
    }

    @Test func aFlippedManifestByteIsDamage() throws {
        let db = try EngineDirectory()
        let name = try #require(try db.names().first { $0.hasPrefix("MANIFEST-") })
        // Inside the snapshot record: later records follow it, so it is not a torn tail.
        try db.flipByte(in: name, at: 32 + 8 + 3)
        try expectVerify(db, status: 1, naming: name, containing: "intact record after it")
    }

    @Test func aFlippedByteInsideTheLogIsDamageThatFixLeavesAlone() throws {
        let db = try EngineDirectory()
        let name = try #require(try db.names(endingIn: ".wal").last)
        try db.flipByte(in: name, at: 36 + 24 + 10)
        try expectVerify(db, status: 1, naming: name, containing: "at offset 36: WAL damaged: checksum mismatch")
        let before = try db.snapshot()
        let fix = try expectVerify(db, ["--fix"], status: 1, naming: name)
        #expect(fix.stdout.contains("nothing for --fix to repair"), "\(fix.stdout)")
        #expect(try db.snapshot() == before, "--fix changed a log with damage in the middle")
    }

    @Test func fixTruncatesATornTailOfTheNewestLogAndTheStoreOpens() throws {
        let db = try EngineDirectory()
        let name = try #require(try db.names(endingIn: ".wal").last)
        let size = try db.size(of: name)
        try db.truncate(name, to: size - 10)
        let torn = try expectVerify(db, status: 1, naming: name, containing: "torn tail")
        #expect(torn.stdout.contains("(quiver verify --fix repairs this)"), "\(torn.stdout)")

        let fix = try expectVerify(db, ["--fix"], status: 0)
        let valid = try db.size(of: name)
        #expect(valid < size - 10)
        #expect(
            fix.stdout.contains(
                "fixed: truncated \(name) from \(size - 10) to \(valid) bytes (removed \(size - 10 - valid) bytes"),
            "\(fix.stdout)")
        #expect(fix.stdout.hasSuffix("4 records): clean\n"), "\(fix.stdout)")
        try expectVerify(db, status: 0)

        var options = EngineOptions()
        options.backgroundMaintenance = false
        let engine = try StorageEngine.open(directory: db.path, options: options)
        #expect(try engine.count(in: EngineDirectory.collection) == EngineDirectory.liveRows - 1)
        #expect(try engine.get("k163", in: EngineDirectory.collection) != nil)
        #expect(try engine.get("k164", in: EngineDirectory.collection) == nil)
        try engine.close()
    }

    @Test func aDirectoryInUseIsReportedAndLeftAlone() throws {
        let db = try EngineDirectory()
        var options = EngineOptions()
        options.backgroundMaintenance = false
        let engine = try StorageEngine.open(directory: db.path, options: options)
        defer { try? engine.close() }
        let result = try expectVerify(db, ["--fix"], status: 0)
        #expect(result.stdout.contains("warning: LOCK: another process has the directory open"), "\(result.stdout)")
        #expect(result.stdout.contains("nothing for --fix to repair"), "\(result.stdout)")
    }

    @Test func missingDirectoryExits66() throws {
        let directory = try TemporaryDirectory()
        let result = try QuiverProcess.run(["verify", directory.path("none")])
        #expect(result.status == 66 && result.stderrLines.count == 1, "\(result.stderr)")
        let usage = try QuiverProcess.run(["verify", directory.path("none"), "--salvage"])
        #expect(usage.status == 64, "\(usage.stderr)")
    }
}
