import NIOCore
import NIOEmbedded
import Quiver
import QuiverIndex
import QuiverRESP
import Testing

@testable import QuiverServer

@Suite struct ConfigCommandsTests {
    @Test func getMatchesGlobs() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(try client.reply("CONFIG", "GET", "save") == "[$save,$]")
            #expect(try client.reply("CONFIG", "GET", "appendonly") == "[$appendonly,$no]")
            #expect(
                try client.reply("CONFIG", "GET", "MAX*")
                    == "[$maxclients,$10000,$maxmemory,$0,$maxmemory-policy,$noeviction]")
            #expect(try client.reply("CONFIG", "GET", "port", "port", "nosuch") == "[$port,$6379]")
            #expect(try client.reply("CONFIG", "GET") == "-ERR wrong number of arguments for 'config|get' command")
            client.handler.state.protocolVersion = .resp3
            #expect(try client.reply("CONFIG", "GET", "timeout") == "{$timeout:$0}")
            let everything = try #require(try client.send("CONFIG", "GET", "*").fields)
            #expect(everything.count == ConfigParameter.all.count)
        }
        try await withServer({ $0.durability = .always }) { server in
            let client = try server.connect()
            #expect(
                try client.reply("CONFIG", "GET", "appendonly", "appendfsync")
                    == "[$appendonly,$yes,$appendfsync,$always]")
        }
    }

    @Test func queryBufferLimitChangesForConnectedClients() async throws {
        try await withServer { server in
            let admin = try server.connect()
            let slow = try server.connect()
            #expect(try admin.reply("CONFIG", "SET", "client-query-buffer-limit", "512") == "-ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be at least 1kb")
            #expect(try admin.reply("CONFIG", "SET", "client-query-buffer-limit", "2kb") == "+OK")
            #expect(try admin.reply("CONFIG", "GET", "client-query-buffer-limit") == "[$client-query-buffer-limit,$2048]")
            // A command whose 4 KiB value never completes: 1.5 KiB is held, 3 KiB is over the limit.
            var partial = slow.channel.allocator.buffer(capacity: 4096)
            partial.writeString("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4096\r\n" + String(repeating: "v", count: 1500))
            try slow.channel.writeInbound(partial)
            #expect(slow.isOpen)
            var more = slow.channel.allocator.buffer(capacity: 2048)
            more.writeString(String(repeating: "v", count: 1500))
            try slow.channel.writeInbound(more)
            slow.channel.embeddedEventLoop.run()
            #expect(!slow.isOpen, "closed over the new limit")
            #expect(try admin.reply("PING") == "+PONG")
        }
    }

    @Test func outputBufferLimitReadsAndSetsAsRedisPrintsIt() async throws {
        try await withServer { server in
            let admin = try server.connect()
            let name = "client-output-buffer-limit"
            let redisDefaults = " slave 268435456 67108864 60 pubsub 33554432 8388608 60"
            #expect(try admin.reply("CONFIG", "GET", name) == "[$\(name),$normal 268435456 0 0\(redisDefaults)]")
            #expect(try admin.reply("CONFIG", "SET", name, "normal 4mb 2mb 60 replica 256mb 64mb 60") == "+OK")
            #expect(server.daemon.settings.withLock { $0.maxOutputBufferBytes } == 4 << 20)
            #expect(try admin.reply("CONFIG", "SET", name, "pubsub 1mb 1mb 0") == "+OK")  // no normal class: unchanged
            #expect(server.daemon.settings.withLock { $0.maxOutputBufferBytes } == 4 << 20)
            #expect(try admin.reply("CONFIG", "SET", name, "16mb") == "+OK")
            #expect(try admin.reply("CONFIG", "GET", name) == "[$\(name),$normal 16777216 0 0\(redisDefaults)]")
            #expect(try admin.reply("CONFIG", "SET", name, "0") == "+OK")
            #expect(server.daemon.settings.withLock { $0.maxOutputBufferBytes } == Int.max)
            #expect(try admin.reply("CONFIG", "GET", name) == "[$\(name),$normal 0 0 0\(redisDefaults)]")
            let prefix = "-ERR CONFIG SET failed (possibly related to argument '\(name)') - "
            #expect(try admin.reply("CONFIG", "SET", name, "vip 1mb 1mb 0") == prefix + "unknown client class 'vip'")
            #expect(try admin.reply("CONFIG", "SET", name, "normal 1mb") == prefix + "expects a size, or CLASS HARD SOFT SECONDS")
            #expect(try admin.reply("CONFIG", "SET", name, "normal 1mb 1mb soon") == prefix + "'soon' is not a number of seconds")
            #expect(server.daemon.settings.withLock { $0.maxOutputBufferBytes } == Int.max)
        }
    }

    @Test func setChangesTheRuntimeSettings() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(try client.reply("CONFIG", "SET", "maxclients", "5", "timeout", "30") == "+OK")
            #expect(server.daemon.settings.withLock { $0.maxClients } == 5)
            #expect(try client.reply("CONFIG", "GET", "maxclients") == "[$maxclients,$5]")
            #expect(try client.reply("CONFIG", "SET", "maxmemory", "1mb") == "+OK")
            #expect(server.daemon.settings.withLock { $0.maxMemoryBytes } == 1 << 20)
            #expect(try client.reply("CONFIG", "SET", "MAXMEMORY", "2k") == "+OK")
            #expect(server.daemon.settings.withLock { $0.maxMemoryBytes } == 2000)
            #expect(try client.reply("CONFIG", "SET", "protected-mode", "no") == "+OK")
            #expect(!server.daemon.settings.withLock { $0.protectedMode })
            #expect(try client.reply("CONFIG", "SET", "requirepass", "pw") == "+OK")
            #expect(try client.reply("PING") == "+PONG", "connections stay authenticated")
            #expect(try server.connect().reply("PING") == "-NOAUTH Authentication required.")
            #expect(try client.reply("CONFIG", "SET", "requirepass", "") == "+OK")
            #expect(try server.connect().reply("PING") == "+PONG")
        }
    }

    @Test func setRefusesAllOrNothing() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(
                try client.reply("CONFIG", "SET", "timeout", "5", "maxclients", "abc")
                    == "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer"
            )
            #expect(server.daemon.settings.withLock { $0.idleTimeoutSeconds } == 0)
            #expect(
                try client.reply("CONFIG", "SET", "nosuch", "1")
                    == "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")
            #expect(
                try client.reply("CONFIG", "SET", "port", "1")
                    == "-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config")
            #expect(
                try client.reply("CONFIG", "SET", "timeout", "1", "timeout", "2")
                    == "-ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter")
            #expect(
                try client.reply("CONFIG", "SET", "maxmemory", "lots")
                    == "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
            )
            #expect(
                try client.reply("CONFIG", "SET", "protected-mode", "maybe")
                    == "-ERR CONFIG SET failed (possibly related to argument 'protected-mode') - argument must be 'yes' or 'no'"
            )
            #expect(
                try client.reply("CONFIG", "SET", "maxclients", "0")
                    == "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive"
            )
            #expect(
                try client.reply("CONFIG", "SET", "timeout", "1", "x")
                    == "-ERR wrong number of arguments for 'config|set' command")
            #expect(try client.reply("CONFIG", "REWRITE") == "-ERR The server is running without a config file")
        }
    }

    @Test func resetstatZeroesTheCounters() async throws {
        try await withServer { server in
            let client = try server.connect()
            _ = try client.send("PING")
            _ = try client.send("GET", "missing")
            #expect(try client.reply("CONFIG", "RESETSTAT") == "+OK")
            let stats = try #require(try client.send("INFO", "stats", "commandstats").text)
            #expect(stats.contains("\r\ntotal_connections_received:0\r\n"))
            #expect(stats.contains("\r\nkeyspace_misses:0\r\n"))
            #expect(!stats.contains("cmdstat_ping"))
            #expect(stats.contains("cmdstat_config:calls=1,"), "RESETSTAT itself is counted once it returns")
            #expect(server.daemon.statistics.perCommand["ping"]?.calls == 1, "the metrics' counters go on")
        }
    }

    @Test(arguments: [
        ("0", 0), ("100", 100), ("1b", 1), ("1k", 1000), ("1KB", 1024), ("3m", 3_000_000), ("1gb", 1 << 30),
    ])
    func memoryValues(_ text: String, _ bytes: Int) {
        #expect(ConfigParameter.memory(text) == bytes)
    }

    @Test(arguments: ["", "-1", "1x", "k", "1.5mb"]) func invalidMemoryValues(_ text: String) {
        #expect(ConfigParameter.memory(text) == nil)
    }
}
