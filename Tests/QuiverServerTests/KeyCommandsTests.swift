import NIOCore
import Quiver
import QuiverRESP
import Testing

@testable import QuiverServer

@Suite struct KeyCommandsTests {
    @Test func deleteExistsAndTypeSeeVectorSets() async throws {
        try await withHarness { h in
            try h.makeVectorSet("vs")
            h.run("SET", "s", "1")
            #expect(h.reply("EXISTS", "vs", "s", "vs", "none") == ":3")
            #expect(h.reply("TYPE", "none") == "+none")
            #expect(h.reply("DBSIZE") == ":2")
            #expect(h.reply("DEL", "vs", "s", "vs", "none") == ":2")
            #expect(h.reply("EXISTS", "vs", "s") == ":0")
            #expect(!h.daemon.database.collectionNames.contains { $0.hasPrefix("quiver.server.vset.") })
            try h.makeVectorSet("vs")
            #expect(h.reply("UNLINK", "vs") == ":1")
            #expect(h.reply("DBSIZE") == ":0")
        }
    }

    @Test func expiryOfVectorSets() async throws {
        try await withHarness { h in
            try h.makeVectorSet("vs")
            #expect(h.reply("TTL", "vs") == ":-1")
            #expect(h.reply("PEXPIRETIME", "vs") == ":-1")
            #expect(h.reply("PERSIST", "vs") == ":0")
            #expect(h.reply("EXPIRE", "vs", "10", "XX") == ":0")
            #expect(h.reply("EXPIRE", "vs", "10").hasPrefix("-ERR quiverd keeps no time to live on vector sets"))
            #expect(h.reply("PEXPIREAT", "vs", "1") == ":1")
            #expect(h.reply("TYPE", "vs") == "+none")
        }
    }

    @Test func renameStringsAndVectorSets() async throws {
        try await withHarness { h in
            h.run("SET", "a", "1", "EX", "100")
            #expect(h.reply("RENAME", "a", "b") == "+OK")
            #expect(h.reply("GET", "b") == "$1")
            #expect(h.reply("TTL", "b") == ":100")
            #expect(h.reply("RENAME", "a", "b") == "-ERR no such key")
            #expect(h.reply("RENAME", "b", "b") == "+OK")
            #expect(h.reply("RENAMENX", "b", "b") == ":0")
            try h.makeVectorSet("vs", elements: [("x", [1, 2, 3])])
            #expect(h.reply("RENAMENX", "b", "vs") == ":0")
            #expect(h.reply("RENAMENX", "vs", "b") == ":0")
            #expect(h.reply("RENAME", "vs", "moved") == "+OK")
            #expect(h.reply("TYPE", "moved") == "+vectorset")
            #expect(h.reply("TYPE", "vs") == "+none")
            // Over a string: the string goes.
            #expect(h.reply("RENAME", "moved", "b") == "+OK")
            #expect(h.reply("TYPE", "b") == "+vectorset")
            // A string over a vector set: the set goes.
            h.run("SET", "s", "text")
            #expect(h.reply("RENAME", "s", "b") == "+OK")
            #expect(h.reply("GET", "b") == "$text")
            #expect(!h.daemon.database.collectionNames.contains { $0.hasPrefix("quiver.server.vset.") })
        }
    }

    @Test func renamedVectorSetsSurviveARestartOfTheRegistry() async throws {
        try await withHarness { h in
            try h.makeVectorSet("vs", elements: [("x", [1, 2, 3])])
            #expect(h.reply("RENAME", "vs", "moved") == "+OK")
            try h.daemon.vectorSets.load(from: h.daemon.database)
            #expect(h.daemon.vectorSets.info(0, Key("moved")) != nil)
            #expect(h.daemon.vectorSets.info(0, Key("vs")) == nil)
        }
    }

    @Test func scanTypeAndMatch() async throws {
        try await withHarness { h in
            for i in 0..<30 { h.run("SET", "str:\(i)", "v") }
            try h.makeVectorSet("vec:1")
            try h.makeVectorSet("vec:2")
            func scanAll(_ extra: String...) -> Set<String> {
                var cursor = "0"
                var found = Set<String>()
                repeat {
                    guard
                        case .success(.array(let reply)) = h.run(
                            ["SCAN", cursor].map { Array($0.utf8) } + extra.map { Array($0.utf8) }),
                        case .bulkString(let next) = reply[0], case .array(let keys) = reply[1]
                    else { return [] }
                    cursor = String(buffer: next)
                    for case .bulkString(let key) in keys { found.insert(String(buffer: key)) }
                } while cursor != "0"
                return found
            }
            #expect(scanAll().count == 32)
            #expect(scanAll("TYPE", "vectorset") == ["vec:1", "vec:2"])
            #expect(scanAll("TYPE", "STRING").count == 30)
            #expect(scanAll("TYPE", "list").isEmpty)
            #expect(
                scanAll("MATCH", "*:1*", "COUNT", "3") == [
                    "str:1", "str:10", "str:11", "str:12", "str:13", "str:14", "str:15",
                    "str:16", "str:17", "str:18", "str:19", "vec:1",
                ])
            #expect(h.reply("SCAN", "x1") == "-ERR invalid cursor")
            #expect(h.reply("SCAN", "0", "COUNT", "0") == "-ERR syntax error")
            #expect(h.reply("SCAN", "0", "COUNT", "x") == "-ERR value is not an integer or out of range")
            #expect(h.reply("SCAN", "0", "MATCH") == "-ERR syntax error")
            #expect(h.reply("SCAN", "0", "FOO", "bar") == "-ERR syntax error")
        }
    }

    @Test func flushesDropStringsAndVectorSetsOfEveryDatabase() async throws {
        try await withHarness { h in
            h.run("SET", "a", "1")
            try h.makeVectorSet("v0")
            try h.makeVectorSet("v5", db: 5)
            #expect(h.reply("FLUSHDB", "FOO") == "-ERR syntax error")
            #expect(h.reply("FLUSHDB", "ASYNC") == "+OK")
            #expect(h.reply("DBSIZE") == ":0")
            #expect(h.daemon.vectorSets.count(5) == 1)
            h.run("SET", "a", "1")
            #expect(h.reply("FLUSHALL", "SYNC") == "+OK")
            #expect(h.daemon.vectorSets.count(5) == 0)
            #expect(h.reply("DBSIZE") == ":0")
            #expect(!h.daemon.database.collectionNames.contains { $0.hasPrefix("quiver.server.vset.") })
            #expect(h.reply("RANDOMKEY") == "nil")
        }
    }

    @Test func memoryUsage() async throws {
        try await withHarness { h in
            h.run("SET", "foo", "bar")
            #expect(h.reply("MEMORY", "USAGE", "foo") == ":153")
            #expect(h.reply("MEMORY", "USAGE", "foo", "SAMPLES", "0") == ":153")
            #expect(h.reply("MEMORY", "USAGE", "nope") == "nil")
            #expect(h.reply("MEMORY", "USAGE", "foo", "SAMPLES") == "-ERR syntax error")
            #expect(h.reply("MEMORY", "USAGE", "foo", "SAMPLES", "-1") == "-ERR syntax error")
            #expect(h.reply("MEMORY", "USAGE") == "-ERR wrong number of arguments for 'memory|usage' command")
            #expect(h.reply("MEMORY", "NOPE") == "-ERR unknown subcommand 'NOPE'. Try MEMORY HELP.")
            try h.makeVectorSet("vs", elements: (0..<10).map { ("element:\($0)", [Float($0), 1, 2]) })
            guard case .success(.integer(let bytes)) = h.run("MEMORY", "USAGE", "vs") else {
                Issue.record("no integer reply")
                return
            }
            // 10 elements of 3 f32 (16 bytes with padding), M=16: 12 + 128 + 4 node bytes, 64 + key + attributes.
            let low = 10 * (16 + 144 + 64 + 48 + 48)
            let high = 10 * 400 + 200
            #expect(Int(bytes) >= low && Int(bytes) <= high, "\(bytes)")
        }
    }
}
