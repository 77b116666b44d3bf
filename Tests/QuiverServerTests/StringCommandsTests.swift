import Quiver
import QuiverRESP
import Testing

@testable import QuiverServer

@Suite struct StringCommandsTests {
    @Test func setOptionsAndReplies() async throws {
        try await withHarness { h in
            #expect(h.reply("SET", "k", "v1") == "+OK")
            #expect(h.reply("SET", "k", "v2", "NX") == "nil")
            #expect(h.reply("SET", "k", "v2", "NX", "GET") == "$v1")
            #expect(h.reply("SET", "k", "v2", "XX", "GET") == "$v1")
            #expect(h.reply("SET", "new", "v", "XX") == "nil")
            #expect(h.reply("SET", "new", "v", "XX", "GET") == "nil")
            #expect(h.reply("GET", "new") == "nil")
            #expect(h.reply("SET", "k", "v3", "EX", "100", "GET") == "$v2")
            #expect(h.reply("TTL", "k") == ":100")
            #expect(h.reply("SET", "k", "v4", "KEEPTTL") == "+OK")
            #expect(h.reply("TTL", "k") == ":100")
            #expect(h.reply("SET", "k", "v5") == "+OK")
            #expect(h.reply("TTL", "k") == ":-1")
            #expect(h.reply("SET", "k", "v", "PXAT", "1", "GET") == "$v5")
            #expect(h.reply("GET", "k") == "nil")
            #expect(h.reply("SET", "k", "v", "EX", "0") == "-ERR invalid expire time in 'set' command")
            #expect(h.reply("SET", "k", "v", "EX", "x") == "-ERR value is not an integer or out of range")
            #expect(h.reply("SET", "k", "v", "EX", "1", "PX", "1") == "-ERR syntax error")
            #expect(h.reply("SET", "k") == "-ERR wrong number of arguments for 'set' command")
        }
    }

    @Test func countersAndTheirErrors() async throws {
        try await withHarness { h in
            #expect(h.reply("INCR", "n") == ":1")
            #expect(h.reply("INCRBY", "n", "41") == ":42")
            #expect(h.reply("DECRBY", "n", "2") == ":40")
            #expect(h.reply("DECR", "n") == ":39")
            #expect(h.reply("INCRBY", "n", "x") == "-ERR value is not an integer or out of range")
            #expect(h.reply("DECRBY", "n", "-9223372036854775808") == "-ERR decrement would overflow")
            #expect(h.reply("SET", "n", "9223372036854775807") == "+OK")
            #expect(h.reply("INCR", "n") == "-ERR increment or decrement would overflow")
            #expect(h.reply("SET", "n", " 1") == "+OK")
            #expect(h.reply("INCR", "n") == "-ERR value is not an integer or out of range")
            #expect(h.reply("INCRBYFLOAT", "f", "1e-7") == "$0.0000001")
            #expect(h.reply("INCRBYFLOAT", "f", "abc") == "-ERR value is not a valid float")
            #expect(h.reply("INCRBYFLOAT", "f", "inf") == "-ERR increment would produce NaN or Infinity")
            #expect(h.reply("GET", "f") == "$0.0000001")
        }
    }

    @Test func vectorSetsAreKeysOfAnotherType() async throws {
        try await withHarness { h in
            try h.makeVectorSet("vs")
            let wrong = "-WRONGTYPE Operation against a key holding the wrong kind of value"
            for command in [
                ["GET", "vs"], ["STRLEN", "vs"], ["APPEND", "vs", "x"], ["INCR", "vs"], ["INCRBY", "vs", "1"],
                ["INCRBYFLOAT", "vs", "1"], ["GETSET", "vs", "x"], ["GETDEL", "vs"], ["GETEX", "vs"],
                ["SET", "vs", "x", "GET"],
            ] {
                #expect(HarnessReply.of(h, command) == wrong, "\(command)")
            }
            #expect(h.reply("MGET", "vs", "missing") == "[nil,nil]")
            #expect(h.reply("SETNX", "vs", "x") == ":0")
            #expect(h.reply("SET", "vs", "x", "NX") == "nil")
            #expect(h.reply("MSETNX", "vs", "x", "other", "y") == ":0")
            #expect(h.reply("GET", "other") == "nil")
            #expect(h.reply("TYPE", "vs") == "+vectorset")
            // SET replaces the set (XX sees it as existing).
            #expect(h.reply("SET", "vs", "now a string", "XX") == "+OK")
            #expect(h.reply("TYPE", "vs") == "+string")
            #expect(h.daemon.vectorSets.info(0, Key("vs")) == nil)
            #expect(!h.daemon.database.collectionNames.contains { $0.hasPrefix("quiver.server.vset.") })
            try h.makeVectorSet("vs2")
            try h.makeVectorSet("vs3")
            #expect(h.reply("MSET", "vs2", "a", "vs3", "b") == "+OK")
            #expect(h.reply("MGET", "vs2", "vs3") == "[$a,$b]")
            try h.makeVectorSet("vs4")
            #expect(h.reply("SETEX", "vs4", "100", "c") == "+OK")
            #expect(h.reply("TYPE", "vs4") == "+string")
        }
    }

    @Test func msetIsOneBatchAndMsetnxAllOrNothing() async throws {
        try await withHarness { h in
            #expect(h.reply("MSET", "a", "1", "b", "2", "a", "3") == "+OK")
            #expect(h.reply("MGET", "a", "b") == "[$3,$2]")
            #expect(h.reply("MSET", "a", "1", "b") == "-ERR wrong number of arguments for 'mset' command")
            #expect(h.reply("MSETNX", "c", "1", "a", "2") == ":0")
            #expect(h.reply("GET", "c") == "nil")
            #expect(h.reply("MSETNX", "c", "1", "d", "2") == ":1")
            #expect(h.reply("MGET", "c", "d") == "[$1,$2]")
        }
    }

    @Test func appendKeepsTheDeadlineAndRespectsTheBulkLimit() async throws {
        try await withHarness { h in
            #expect(h.reply("APPEND", "k", "ab") == ":2")
            #expect(h.reply("EXPIRE", "k", "100") == ":1")
            #expect(h.reply("APPEND", "k", "cd") == ":4")
            #expect(h.reply("TTL", "k") == ":100")
            #expect(h.reply("GET", "k") == "$abcd")
        }
    }
}
