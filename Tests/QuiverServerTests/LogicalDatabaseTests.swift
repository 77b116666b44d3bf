import Quiver
import Testing

@testable import QuiverServer

@Suite struct LogicalDatabaseTests {
    @Test func theStringsTableFollowsADatabaseReload() async throws {
        try await withHarness { h in
            #expect(h.reply("SET", "k", "v", "EX", "100") == "+OK")
            try h.daemon.reloadDatabase()
            #expect(h.reply("GET", "k") == "$v")
            #expect(h.reply("TTL", "k") == ":100")
            #expect(h.reply("SET", "k", "w") == "+OK")
            try h.daemon.reloadDatabase()
            #expect(h.reply("GET", "k") == "$w")
        }
    }

    @Test func readingAnUnusedDatabaseCreatesNoTable() async throws {
        try await withHarness { h in
            let keyspace = h.daemon.keyspaces[7]
            #expect(keyspace.existingStrings(in: h.daemon.database) == nil)
            #expect(h.reply("FLUSHALL") == "+OK")
            #expect(!h.daemon.database.cacheNames.contains("redis.db7"))
            _ = try keyspace.strings(of: h.daemon)
            #expect(h.daemon.database.cacheNames.contains("redis.db7"))
            #expect(keyspace.existingStrings(in: h.daemon.database) != nil)
        }
    }

    @Test func droppingVectorSetsTwiceIsNotAnError() async throws {
        try await withHarness { h in
            try h.makeVectorSet("a")
            try h.makeVectorSet("b")
            let keyspace = h.daemon.keyspaces[0]
            let dropped = try keyspace.dropVectorSets([Key("a"), Key("b"), Key("a"), Key("none")], daemon: h.daemon)
            #expect(Set(dropped) == [Key("a"), Key("b")])
            #expect(try keyspace.dropVectorSets([Key("a")], daemon: h.daemon).isEmpty)
        }
    }

    @Test func theReclaimDropsExpiredStringsNobodyReads() async throws {
        try await withHarness { h in
            for i in 0..<50 { h.run("SET", "k\(i)", "v", "PX", "1") }
            h.run("SET", "kept", "v")
            try await Task.sleep(for: .milliseconds(20))
            _ = h.daemon.reclaimExpiredStrings()
            #expect(h.reply("DBSIZE") == ":1")
        }
    }
}
