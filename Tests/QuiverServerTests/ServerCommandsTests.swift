import QuiverRESP
import Testing

@testable import QuiverServer

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ServerCommandsTests {
    @Test func connectionBasics() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(try client.reply("PING") == "+PONG")
            #expect(try client.reply("PING", "hi") == "$hi")
            #expect(try client.reply("ECHO", "hi") == "$hi")
            #expect(try client.reply("SELECT", "16") == "-ERR DB index is out of range")
            #expect(try client.reply("SELECT", "x") == "-ERR value is not an integer or out of range")
            client.handler.state.protocolVersion = .resp3
            #expect(try client.reply("PING") == "+PONG")
            #expect(try client.reply("QUIT") == "+OK")
            #expect(!client.isOpen)
        }
    }

    @Test func time() async throws {
        try await withServer { server in
            let reply = try #require(try server.connect().send("TIME").elements?.compactMap(\.text))
            try #require(reply.count == 2)
            let seconds = try #require(Int(reply[0]))
            let micros = try #require(Int(reply[1]))
            #expect(abs(seconds - Int(Glibc.time(nil))) <= 2)
            #expect((0..<1_000_000).contains(micros))
        }
    }

    @Test func shutdownOptions() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(try client.reply("SHUTDOWN", "ABORT") == "-ERR No shutdown in progress.")
            #expect(try client.reply("SHUTDOWN", "SAVE", "NOSAVE") == "-ERR syntax error")
            #expect(try client.reply("SHUTDOWN", "NOW", "ABORT") == "-ERR syntax error")
            #expect(try client.reply("SHUTDOWN", "LATER") == "-ERR syntax error")
            #expect(client.isOpen)
        }
    }

    @Test func shutdownClosesTheConnectionAndStopsTheServer() async throws {
        try await withServer { server in
            let client = try server.connect()
            let other = try server.connect()
            #expect(try client.reply("SET", "k", "v") == "+OK")
            // Over a socket nothing is written (the end-to-end tests check it with redis-py, which
            // counts a reply as a failed SHUTDOWN); an embedded channel still collects the write.
            _ = try client.replies(["SHUTDOWN", "NOSAVE", "NOW", "FORCE"])
            #expect(!client.isOpen)
            await server.daemon.waitUntilStopped()
            #expect(!other.isOpen)
        }
    }
}
