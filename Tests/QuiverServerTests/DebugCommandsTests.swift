import Quiver
import QuiverRESP
import Testing

@testable import QuiverServer

@Suite struct DebugCommandsTests {
    static let refused =
        "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."

    @Test func refusedWithoutTheOption() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(try client.reply("DEBUG", "SLEEP", "0") == Self.refused)
            #expect(try client.reply("DEBUG", "NOSUCH") == Self.refused)
            #expect(try client.reply("DEBUG") == "-ERR wrong number of arguments for 'debug' command")
        }
    }

    @Test func subcommands() async throws {
        try await withServer({ $0.enableDebugCommand = true }) { server in
            let client = try server.connect()
            #expect(try client.reply("DEBUG", "SLEEP", "0") == "+OK")
            #expect(try client.reply("DEBUG", "SLEEP", "0.001") == "+OK")
            #expect(try client.reply("DEBUG", "SLEEP", "x") == "-ERR value is not a valid float")
            #expect(try client.reply("SET", "k", "v") == "+OK")
            let digest = KeyDigest.hex(
                try KeyDigest.digest(of: Key("k"), in: server.daemon.keyspaces[0], daemon: server.daemon))
            #expect(
                try client.reply("DEBUG", "DIGEST-VALUE", "k", "missing")
                    == "[+\(digest),+\(String(repeating: "0", count: 40))]")
            #expect(try client.reply("DEBUG", "RELOAD") == "+OK")
            #expect(try client.reply("GET", "k") == "$v")
            #expect(try client.reply("DEBUG", "DIGEST-VALUE", "k") == "[+\(digest)]")
            #expect(
                try client.reply("DEBUG", "NOSUCH")
                    == "-ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP.")
            #expect((try client.send("DEBUG", "HELP").elements?.count ?? 0) == DebugCommands.help.count)
        }
    }
}
