import NIOCore
import NIOEmbedded
import Quiver
import QuiverRESP
import Testing

@testable import QuiverServer

/// A pipeline's plain `SET`s are staged and committed together (``WriteBurst``); every other
/// command sees them, and replies keep their order.
@Suite struct WriteBurstTests {
    /// Sends several commands in one read (one pipeline) and returns the replies as text.
    private func pipeline(_ client: ServerTestClient, _ commands: [[String]]) throws -> [String] {
        var buffer = client.channel.allocator.buffer(capacity: 1024)
        for arguments in commands {
            buffer.writeString("*\(arguments.count)\r\n")
            for argument in arguments { buffer.writeString("$\(argument.utf8.count)\r\n\(argument)\r\n") }
        }
        try client.channel.writeInbound(buffer)
        client.channel.embeddedEventLoop.run()  // the group commit of staged writes
        var output = client.channel.allocator.buffer(capacity: 1024)
        while var part = try client.channel.readOutbound(as: ByteBuffer.self) { output.writeBuffer(&part) }
        var parser = RESPReplyParser()
        var replies: [String] = []
        while let reply = try parser.next(in: &output) { replies.append(replyText(reply)) }
        return replies
    }

    @Test func laterCommandsOfThePipelineSeeTheStagedSets() async throws {
        try await withServer { server in
            let client = try server.connect()
            let replies = try pipeline(
                client,
                [["SET", "a", "1"], ["SET", "b", "2"], ["GET", "a"], ["SET", "a", "3"], ["SET", "a", "4"], ["INCR", "b"],
                 ["GET", "a"], ["SET", "c", "5"]])
            #expect(replies == ["+OK", "+OK", "$1", "+OK", "+OK", ":3", "$4", "+OK"])
            #expect(try client.reply("GET", "c") == "$5")
        }
    }

    @Test func stagedSetsAreOneBatchInTheDatabase() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(try client.reply("SET", "warm", "up") == "+OK")  // creates the strings table
            let before = server.daemon.database.engine.snapshot().sequence
            let commands = (0..<20).map { ["SET", "k\($0)", "v\($0)"] }
            #expect(try pipeline(client, commands) == Array(repeating: "+OK", count: 20))
            #expect(server.daemon.database.engine.snapshot().sequence == before + 1)
            let other = try server.connect()
            #expect(try other.reply("GET", "k19") == "$v19")
        }
    }

    @Test func setsWithOptionsOrOverAVectorSetRunOnTheirOwn() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(try client.reply("VADD", "vs", "VALUES", "2", "1", "0", "e") == ":1")
            let replies = try pipeline(
                client, [["SET", "x", "1"], ["SET", "x", "2", "GET"], ["SET", "vs", "s"], ["TYPE", "vs"], ["SET", "y", "1", "NX"]])
            #expect(replies == ["+OK", "$1", "+OK", "+string", "+OK"])
        }
    }

    @Test func aFailedCommitRepliesWithTheErrorForEveryStagedSet() async throws {
        try await withServer({ $0.maxMemoryBytes = 0 }) { server in
            let client = try server.connect()
            #expect(try client.reply("SET", "warm", "up") == "+OK")
            try server.daemon.database.close()
            let replies = try pipeline(client, [["SET", "a", "1"], ["SET", "b", "2"], ["PING"]])
            #expect(replies.count == 3)
            #expect(replies[0].hasPrefix("-") && replies[1].hasPrefix("-"))
            #expect(replies[2] == "+PONG")
        }
    }

    @Test func burstsOfConnectionsOfOneEventLoopAreOneGroupCommit() async throws {
        try await withServer { server in
            let warm = try server.connect()
            #expect(try warm.reply("SET", "warm", "up") == "+OK")
            let loop = EmbeddedEventLoop()
            var channels: [EmbeddedChannel] = []
            for id in 0..<3 {
                let channel = EmbeddedChannel(loop: loop)
                let state = ConnectionState(id: 500 + UInt64(id), address: "127.0.0.1:9", isLoopback: true, connectedAt: 0, lastInteraction: 0)
                let handler = ConnectionHandler(daemon: server.daemon, state: state, allocator: channel.allocator)
                try channel.pipeline.syncOperations.addHandler(handler)
                try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).get()
                channels.append(channel)
            }
            let before = server.daemon.database.engine.snapshot().sequence
            for (index, channel) in channels.enumerated() {
                var buffer = channel.allocator.buffer(capacity: 64)
                buffer.writeString("*3\r\n$3\r\nSET\r\n$1\r\n\(index)\r\n$1\r\nv\r\n")
                try channel.writeInbound(buffer)
                #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)  // not before the commit
            }
            loop.run()
            #expect(server.daemon.database.engine.snapshot().sequence == before + 1)
            for channel in channels {
                let reply = try channel.readOutbound(as: ByteBuffer.self)
                #expect(reply.map { String(buffer: $0) } == "+OK\r\n")
            }
            #expect(try warm.reply("MGET", "0", "1", "2") == "[$v,$v,$v]")
        }
    }

    @Test func aGroupCommitSetsEachKeyOnceWithItsLastValue() async throws {
        try await withServer { server in
            let database = server.daemon.database
            let first = try database.createCache("first")
            let second = try database.createCache("second")
            func burst(_ table: Cache, _ sets: [(String, String)]) -> WriteBurst {
                var burst = WriteBurst()
                burst.begin(in: table)
                for (key, value) in sets { burst.stageSet(Key(key), Array(value.utf8)) }
                return burst
            }
            let bursts = [
                burst(first, [("hot", "1")]),
                burst(first, [("a", "x"), ("hot", "2"), ("b", "y"), ("hot", "3")]),
                burst(first, [("a", "z")]),
                burst(second, [("hot", "s1"), ("hot", "s2")]),
                burst(first, [("hot", "4")]),
                WriteBurst(),
            ]
            let runs = WriteBurst.merged(bursts).map { run in
                (run.table, run.entries.map { "\($0.key)=\(String(decoding: $0.value, as: UTF8.self))" })
            }
            #expect(runs.map(\.0) == ["first", "second", "first"])
            #expect(runs.map(\.1) == [["hot=3", "a=z", "b=y"], ["hot=s2"], ["hot=4"]])
            #expect(bursts.map(\.count) == [1, 4, 1, 2, 1, 0])  // replies still count every command

            try database.write { WriteBurst.add(bursts, to: &$0) }
            #expect(first.get("hot") == Array("4".utf8))
            #expect(first.get("a") == Array("z".utf8))
            #expect(second.get("hot") == Array("s2".utf8))
        }
    }

    @Test func pipelinedSetsOfOneKeyFromSeveralConnectionsLeaveTheLastValue() async throws {
        try await withServer { server in
            let clients = try (0..<3).map { _ in try server.connect() }
            for (index, client) in clients.enumerated() {
                let replies = try pipeline(client, (0..<16).map { ["SET", "hot", "c\(index)-\($0)"] } + [["GET", "hot"]])
                #expect(replies == Array(repeating: "+OK", count: 16) + ["$c\(index)-15"])
            }
            #expect(try clients[0].reply("GET", "hot") == "$c2-15")
        }
    }
}
