import Foundation
import QuiverEngine
import Testing

/// `quiver inspect` on directories the engine wrote: the summary, JSON, the lock, read-only-ness.
@Suite(.enabled(if: QuiverProcess.executable != nil, "the quiver executable is not built next to the tests"))
struct InspectCommandTests {
    @Test func summarisesManifestCollectionsSegmentsAndLogs() throws {
        let db = try EngineDirectory()
        let before = try db.snapshot()
        let result = try QuiverProcess.run(["inspect", db.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let out = result.stdout
        #expect(out.contains("data directory \(db.path) (free)"))
        #expect(out.contains("collection docs: dim 8, l2, f32, m 8, ef_construction 32"))
        #expect(out.contains("findings: none"), "\(out)")
        let segments = try db.names(endingIn: ".seg")
        #expect(segments.count == 2)
        for name in segments { #expect(out.contains(name)) }
        #expect(try db.snapshot() == before, "inspect changed the directory")
    }

    @Test func jsonReportsRowsTombstonesAndLogRecords() throws {
        let db = try EngineDirectory()
        let result = try QuiverProcess.run(["inspect", db.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["lock"] as? String == "free")
        #expect(json["verified"] as? Bool == false)
        #expect((json["findings"] as? [Any])?.isEmpty == true)
        let manifest = try #require(json["manifest"] as? [String: Any])
        #expect((manifest["file"] as? String)?.hasPrefix("MANIFEST-") == true)
        let checkpoint = try #require(manifest["checkpoint_sequence"] as? Int)
        let collections = try #require(json["collections"] as? [[String: Any]])
        #expect(collections.map { $0["name"] as? String } == ["docs"])
        let segments = try #require(collections[0]["segments"] as? [[String: Any]])
        #expect(segments.map { $0["rows"] as? Int } == [120, 40])
        // The first segment lost k0..k9 to the second one's tombstones.
        #expect(segments.map { $0["live_rows"] as? Int } == [110, 40])
        #expect(segments.map { $0["tombstones"] as? Int } == [0, 10])
        #expect(segments.allSatisfy { ($0["bytes"] as? Int) == ($0["file_bytes"] as? Int) })
        let sections = try #require(segments[0]["sections"] as? [[String: Any]])
        #expect(sections.contains { $0["kind"] as? String == "2 (vectors)" })
        let logs = try #require(json["logs"] as? [[String: Any]])
        let newest = try #require(logs.last)
        #expect(newest["records"] as? Int == EngineDirectory.unflushedRecords)
        #expect(newest["records_after_checkpoint"] as? Int == EngineDirectory.unflushedRecords)
        #expect(newest["first_sequence"] as? Int == checkpoint + 1)
        #expect(newest["last_sequence"] as? Int == checkpoint + EngineDirectory.unflushedRecords)
        #expect(newest["torn_tail_bytes"] as? Int == 0)
    }

    @Test func saysWhenTheDirectoryIsInUseWithoutTakingOrCreatingTheLock() throws {
        let db = try EngineDirectory()
        var options = EngineOptions()
        options.backgroundMaintenance = false
        let engine = try StorageEngine.open(directory: db.path, options: options)
        let busy = try QuiverProcess.run(["inspect", db.path])
        #expect(busy.status == 0, "\(busy.stderr)")
        #expect(busy.stdout.contains("(in use)"))
        #expect(busy.stdout.contains("another process has the directory open"))
        try engine.close()

        try FileManager.default.removeItem(atPath: db.file("LOCK"))
        let unlocked = try QuiverProcess.run(["inspect", db.path])
        #expect(unlocked.status == 0 && unlocked.stdout.contains("(no LOCK file)"), "\(unlocked.stderr)")
        #expect(!(try db.names()).contains("LOCK"), "inspect created LOCK")
    }

    @Test func missingOrEmptyDirectoriesExit66() throws {
        let directory = try TemporaryDirectory()
        let missing = try QuiverProcess.run(["inspect", directory.path("nothing")])
        #expect(missing.status == 66 && missing.stderrLines.count == 1, "\(missing.stderr)")
        #expect(missing.stderr.hasPrefix("quiver: error: ") && missing.stderr.contains("no such directory"))
        let empty = try QuiverProcess.run(["inspect", directory.path("")])
        #expect(empty.status == 66 && empty.stderr.contains("holds no Quiver database"), "\(empty.stderr)")
        let usage = try QuiverProcess.run(["inspect"])
        #expect(usage.status == 64 && usage.stderr.contains("Missing expected argument"), "\(usage.stderr)")
    }
}
