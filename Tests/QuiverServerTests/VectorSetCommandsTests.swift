import NIOCore
import Quiver
import QuiverRESP
import Testing

@testable import QuiverServer

@Suite struct VectorSetCommandsTests {
    /// Reply bytes of each shape in both protocols, as Redis 8.8 sends them.
    @Test func replyShapesInBothProtocols() throws {
        try withHarness { h in
            for version in [RESPProtocolVersion.resp2, .resp3] {
                h.protocolVersion = version
                let three = version == .resp3
                #expect(
                    h.wire("VADD", "k\(version.rawValue)", "VALUES", "2", "1", "0", "a", "NOQUANT")
                        == (three ? "#t\r\n" : ":1\r\n"))
                let k = "k\(version.rawValue)"
                #expect(h.wire("VADD", k, "VALUES", "2", "1", "0", "a", "NOQUANT") == (three ? "#f\r\n" : ":0\r\n"))
                #expect(
                    h.wire("VADD", k, "VALUES", "2", "0", "1", "b", "NOQUANT", "SETATTR", "{}")
                        == (three ? "#t\r\n" : ":1\r\n"))
                #expect(h.wire("VSIM", k, "VALUES", "2", "1", "0") == "*2\r\n$1\r\na\r\n$1\r\nb\r\n")
                #expect(
                    h.wire("VSIM", k, "VALUES", "2", "1", "0", "WITHSCORES")
                        == (three
                            ? "%2\r\n$1\r\na\r\n,1\r\n$1\r\nb\r\n,0.5\r\n"
                            : "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n0.5\r\n"))
                #expect(
                    h.wire("VSIM", k, "VALUES", "2", "1", "0", "WITHATTRIBS")
                        == (three
                            ? "%2\r\n$1\r\na\r\n_\r\n$1\r\nb\r\n$2\r\n{}\r\n"
                            : "*4\r\n$1\r\na\r\n$-1\r\n$1\r\nb\r\n$2\r\n{}\r\n"))
                #expect(
                    h.wire("VSIM", k, "VALUES", "2", "1", "0", "WITHATTRIBS", "WITHSCORES", "COUNT", "1")
                        == (three ? "%1\r\n$1\r\na\r\n*2\r\n,1\r\n_\r\n" : "*3\r\n$1\r\na\r\n$1\r\n1\r\n$-1\r\n"))
                #expect(
                    h.wire("VSIM", k, "VALUES", "2", "1", "0", "WITHSCORES", "FILTER", ".x")
                        == (three ? "%0\r\n" : "*0\r\n"))
                #expect(h.wire("VSIM", "nokey", "VALUES", "2", "1", "0", "WITHSCORES") == "*0\r\n")
                #expect(h.wire("VEMB", k, "a") == (three ? "*2\r\n,1\r\n,0\r\n" : "*2\r\n$1\r\n1\r\n$1\r\n0\r\n"))
                #expect(h.wire("VEMB", k, "nope") == (three ? "_\r\n" : "$-1\r\n"))
                let raw =
                    Array("*3\r\n+f32\r\n$8\r\n".utf8) + [0, 0, 0x80, 0x3F, 0, 0, 0, 0]
                    + Array((three ? "\r\n,1\r\n" : "\r\n$1\r\n1\r\n").utf8)
                #expect(h.bytes(h.run("VEMB", k, "a", "RAW")) == raw)
                #expect(h.wire("VINFO", "nokey") == (three ? "_\r\n" : "*-1\r\n"))
                let info = h.wire("VINFO", k)
                #expect(
                    info.hasPrefix(
                        three
                            ? "%9\r\n+quant-type\r\n+f32\r\n+hnsw-m\r\n:16\r\n"
                            : "*18\r\n+quant-type\r\n+f32\r\n+hnsw-m\r\n:16\r\n"))
                #expect(
                    info.hasSuffix(
                        "+attributes-count\r\n:1\r\n+vset-uid\r\n:\(version.rawValue - 2)\r\n+hnsw-max-node-uid\r\n:3\r\n"
                    ))
                let links = h.wire("VLINKS", k, "a", "WITHSCORES")
                #expect(links.contains(three ? "%1\r\n$1\r\nb\r\n,0.5\r\n" : "*2\r\n$1\r\nb\r\n$3\r\n0.5\r\n"))
                #expect(h.wire("VGETATTR", k, "b") == "$2\r\n{}\r\n")
                #expect(h.wire("VGETATTR", k, "a") == (three ? "_\r\n" : "$-1\r\n"))
                #expect(h.wire("VISMEMBER", k, "b") == (three ? "#t\r\n" : ":1\r\n"))
                #expect(h.wire("VSETATTR", k, "nope", "x") == (three ? "#f\r\n" : ":0\r\n"))
                #expect(h.wire("VRANDMEMBER", "nokey") == (three ? "_\r\n" : "$-1\r\n"))
                #expect(h.wire("VRANGE", k, "(a", "+") == "*1\r\n$1\r\nb\r\n")
                #expect(h.wire("VCARD", k) == ":2\r\n" && h.wire("VDIM", k) == ":2\r\n")
                #expect(h.wire("VDIM", "nokey") == "-ERR key does not exist\r\n")
                #expect(h.wire("vadd", k) == "-ERR wrong number of arguments for 'VADD' command\r\n")
            }
        }
    }

    /// Every command refuses a string key, after the argument checks Redis runs first.
    @Test func wrongType() throws {
        try withHarness { h in
            try h.daemon.keyspaces[0].strings(in: h.daemon.database).set(Array("x".utf8), forKey: Key("str"))
            let wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
            for command in [
                ["VADD", "str", "VALUES", "1", "1", "e"], ["VSIM", "str", "ELE", "e"], ["VREM", "str", "e"],
                ["VCARD", "str"],
                ["VDIM", "str"], ["VEMB", "str", "e"], ["VLINKS", "str", "e"], ["VINFO", "str"],
                ["VSETATTR", "str", "e", "x"],
                ["VGETATTR", "str", "e"], ["VRANDMEMBER", "str"], ["VISMEMBER", "str", "e"],
                ["VRANGE", "str", "-", "+"],
            ] {
                #expect(h.wire(h.run(bytes: command.map { Array($0.utf8) })) == wrongType, "\(command)")
            }
            #expect(h.wire("VADD", "str", "VALUES", "3", "1", "0", "x") == "-ERR invalid vector specification\r\n")
            #expect(h.wire("VADD", "str", "VALUES", "1", "1", "e", "FOO") == "-ERR invalid option after element\r\n")
            #expect(h.wire("VRANDMEMBER", "str", "0") == "*0\r\n")
            #expect(h.wire("VRANDMEMBER", "str", "x") == "-ERR COUNT value is not an integer\r\n")
            #expect(h.wire("VRANGE", "str", "x", "+") == "-ERR invalid start range format\r\n")
            #expect(h.wire("VEMB", "str", "e", "FOO") == "-ERR invalid option\r\n")
            #expect(h.wire("VSIM", "nokey", "FOO") == "-ERR wrong number of arguments for 'VSIM' command\r\n")
        }
    }

    /// A set is its collection plus its registry entry: created with the first element in one
    /// batch, both gone with the last element.
    @Test func theLastElementTakesTheSetWithIt() throws {
        try withHarness { h in
            #expect(h.wire("VADD", "k", "VALUES", "2", "1", "2", "a") == ":1\r\n")
            let info = try #require(h.daemon.vectorSets.info(0, "k"))
            #expect(h.daemon.database.engine.snapshot().collectionNames.contains(info.collection))
            #expect(h.wire("VADD", "k", "VALUES", "2", "2", "1", "b") == ":1\r\n")
            #expect(h.wire("VREM", "k", "a") == ":1\r\n" && h.wire("VREM", "k", "b") == ":1\r\n")
            #expect(h.daemon.vectorSets.info(0, "k") == nil)
            #expect(!h.daemon.database.engine.snapshot().collectionNames.contains(info.collection))
            #expect(try h.daemon.database.engine.snapshot().scan(VectorSetRegistry.table) { _ in false } == ())
            #expect(h.wire("VREM", "k", "b") == ":0\r\n" && h.wire("TYPE", "k") == "+none\r\n")
        }
    }

    /// A drop the way DEL makes one (the registry's removal batch, then `didDrop`) leaves nothing
    /// behind, and a VADD racing with it lands in a fresh set.
    @Test func dropsThroughTheRegistry() throws {
        try withHarness { h in
            _ = h.run("VADD", "k", "VALUES", "2", "1", "2", "a", "SETATTR", "{\"x\":1}")
            let info = try #require(h.daemon.vectorSets.info(0, "k"))
            var batch = WriteBatch()
            VectorSetRegistry.removal(0, "k", info, into: &batch)
            try h.daemon.database.engine.write(batch)
            // The registry still names the dropped collection: reads treat the key as missing,
            // and a VADD retries against a new set.
            #expect(h.wire("VCARD", "k") == ":0\r\n" && h.wire("VSIM", "k", "ELE", "a") == "*0\r\n")
            #expect(h.wire("VREM", "k", "a") == ":0\r\n" && h.wire("VSETATTR", "k", "a", "x") == ":0\r\n")
            h.daemon.vectorSets.didDrop(0, "k")
            #expect(h.wire("VADD", "k", "VALUES", "3", "1", "2", "3", "a") == ":1\r\n")
            #expect(h.wire("VDIM", "k") == ":3\r\n" && h.wire("VGETATTR", "k", "a") == "$-1\r\n")
        }
    }

    @Test func dropHelperRemovesTheSetUnderItsLock() throws {
        try withHarness { h in
            _ = h.run("VADD", "k", "VALUES", "2", "1", "2", "a")
            let engine = h.daemon.database.engine
            let first = try h.daemon.vectorSets.drop(0, "k", in: engine)
            let second = try h.daemon.vectorSets.drop(0, "k", in: engine)
            #expect(first && !second)
            #expect(h.wire("TYPE", "k") == "+none\r\n" && h.wire("VCARD", "k") == ":0\r\n")
            #expect(engine.snapshot().collectionNames.allSatisfy { !$0.hasPrefix("quiver.server.vset.") })
        }
    }

    /// `DEBUG RELOAD` reopens the database: every set comes back with its parameters and counters.
    @Test func setsSurviveAReload() throws {
        try withHarness { h in
            _ = h.run("VADD", "q", "REDUCE", "2", "VALUES", "3", "1", "2", "3", "a", "BIN", "M", "300", "SETATTR", "{}")
            _ = h.run("VADD", "q", "REDUCE", "2", "VALUES", "3", "3", "2", "1", "a", "BIN", "M", "300")
            _ = h.run("VADD", "q", "REDUCE", "2", "VALUES", "3", "0", "0", "0", "z", "BIN", "M", "300")
            let before = h.wire("VINFO", "q")
            try h.daemon.reloadDatabase()
            #expect(
                h.wire("VINFO", "q").replacing(/max-level\r\n:\d+/, with: "")
                    == before.replacing(/max-level\r\n:\d+/, with: ""))
            #expect(
                h.wire("VADD", "q", "REDUCE", "2", "VALUES", "3", "1", "1", "1", "b", "BIN", "M", "300") == ":1\r\n")
            #expect(
                h.wire("VADD", "q", "REDUCE", "2", "VALUES", "3", "1", "1", "1", "b", "BIN")
                    == "-ERR asked M value mismatch with existing vector set\r\n")
            #expect(h.wire("VGETATTR", "q", "a") == "$2\r\n{}\r\n")
            #expect(h.wire("VEMB", "q", "z", "RAW") == "*3\r\n+bin\r\n$8\r\n\0\0\0\0\0\0\0\0\r\n$1\r\n1\r\n")
        }
    }

    @Test func rawEmbeddingsUseRedisLayouts() {
        let unit = NormalizedVector(components: [0.6, -0.8, 0, 0.1], norm: 5)
        func parts(_ value: RESPValue) -> [RESPValue] {
            guard case .array(let items) = value else { return [] }
            return items
        }
        let q8 = parts(VectorSetCommands.rawEmbedding(unit, .q8))
        #expect(
            q8.count == 4 && q8[0] == .simpleString("int8") && q8[2] == .double(5)
                && q8[3] == .double(Double(Float(0.8))))
        #expect(q8[1] == .bulkString(bytes: [95, UInt8(bitPattern: -127), 0, 16]))  // round(x * 127 / 0.8)
        let bits = parts(VectorSetCommands.rawEmbedding(unit, .binary))
        #expect(
            bits.count == 3 && bits[0] == .simpleString("bin")
                && bits[1] == .bulkString(bytes: [0b1001, 0, 0, 0, 0, 0, 0, 0]))
        let f32 = parts(VectorSetCommands.rawEmbedding(NormalizedVector(components: [1, 0], norm: 0), .noquant))
        #expect(f32 == [.simpleString("f32"), .bulkString(bytes: [0, 0, 0x80, 0x3F, 0, 0, 0, 0]), .double(1)])
        let zero = parts(VectorSetCommands.rawEmbedding(NormalizedVector(components: [0, 0], norm: 0), .q8))
        #expect(zero == [.simpleString("int8"), .bulkString(bytes: [0, 0]), .double(1), .double(0)])
    }

    @Test func scoresAreRescaledCosines() {
        #expect(VectorSetCommands.score(0) == 1 && VectorSetCommands.score(1) == 0.5 && VectorSetCommands.score(2) == 0)
        #expect(VectorSetCommands.score(Float(1.7881393e-7)) == 0.9999999105930328)
    }
}
