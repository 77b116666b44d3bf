import QuiverRESP
import Testing

@testable import QuiverServer

@Suite struct ConnectionCommandsTests {
    static let helloFields = ["server", "version", "proto", "id", "mode", "role", "modules"]

    @Test func helloSwitchesTheProtocolAndDescribesTheServer() async throws {
        try await withServer { server in
            let client = try server.connect()
            let resp2 = try client.send("HELLO")
            #expect(resp2.orderedKeys == Self.helloFields)
            #expect(resp2.elements != nil, "a flat array in RESP2")
            #expect(resp2.fields?["proto"] == .integer(2))
            let resp3 = try client.send("HELLO", "3", "SETNAME", "worker-1")
            guard case .map = resp3 else {
                Issue.record("HELLO 3 replies a map in RESP3: \(resp3)")
                return
            }
            #expect(resp3.fields?["server"]?.text == "redis")
            #expect(resp3.fields?["version"]?.text == "8.8.0")
            #expect(resp3.fields?["proto"] == .integer(3))
            #expect(resp3.fields?["id"] == .integer(Int64(client.state.id)))
            #expect(client.state.protocolVersion == .resp3)
            #expect(client.state.name == "worker-1")
            #expect(try client.reply("HELLO", "4") == "-NOPROTO unsupported protocol version")
            #expect(try client.reply("HELLO", "abc") == "-ERR Protocol version is not an integer or out of range")
            #expect(try client.reply("HELLO", "3", "FOO") == "-ERR Syntax error in HELLO option 'FOO'")
            #expect(try client.reply("HELLO", "3", "AUTH", "default") == "-ERR Syntax error in HELLO option 'AUTH'")
            #expect(
                try client.reply("HELLO", "2", "SETNAME", "a b")
                    == "-ERR Client names cannot contain spaces, newlines or special characters.")
            #expect(client.state.protocolVersion == .resp3, "a refused HELLO changes nothing")
            #expect(try client.send("HELLO", "2").fields?["proto"] == .integer(2))
        }
    }

    @Test func authWithoutAPasswordConfigured() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(
                try client.reply("AUTH", "x")
                    == "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
            )
            #expect(try client.reply("AUTH", "default", "anything") == "+OK")
            #expect(
                try client.reply("AUTH", "nobody", "x")
                    == "-WRONGPASS invalid username-password pair or user is disabled.")
            #expect(try client.reply("AUTH", "a", "b", "c") == "-ERR syntax error")
            #expect(try client.reply("AUTH") == "-ERR wrong number of arguments for 'auth' command")
            #expect(try client.reply("ACL", "WHOAMI") == "$default")
        }
    }

    @Test func requirepassGatesEverythingButTheHandshake() async throws {
        try await withServer({ $0.requirePassword = "s3cret" }) { server in
            let client = try server.connect()
            #expect(try client.reply("GET", "k") == "-NOAUTH Authentication required.")
            #expect(try client.reply("ACL", "WHOAMI") == "-NOAUTH Authentication required.")
            #expect(
                try client.reply("HELLO", "3")
                    == "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
            )
            #expect(
                try client.reply("HELLO", "3", "AUTH", "default", "bad")
                    == "-WRONGPASS invalid username-password pair or user is disabled.")
            #expect(client.state.protocolVersion == .resp2)
            #expect(try client.reply("AUTH", "bad") == "-WRONGPASS invalid username-password pair or user is disabled.")
            #expect(client.state.user == nil)
            #expect(try client.reply("AUTH", "s3cret") == "+OK")
            #expect(try client.reply("GET", "k") == "nil")
            let other = try server.connect()
            #expect(try other.send("HELLO", "3", "AUTH", "default", "s3cret").fields?["proto"] == .integer(3))
            #expect(other.state.user == "default")
            #expect(try other.reply("PING") == "+PONG")
            // A failed AUTH leaves an authenticated connection as it was.
            #expect(
                try other.reply("AUTH", "wrong") == "-WRONGPASS invalid username-password pair or user is disabled.")
            #expect(try other.reply("PING") == "+PONG")
        }
    }

    @Test func namedUsersAndReadOnlyUsers() async throws {
        try await withServer({
            $0.requirePassword = "s3cret"
            $0.users = [
                ServerUser(name: "reader", password: "r", isReadOnly: true),
                ServerUser(name: "writer", password: "w", isReadOnly: false),
            ]
        }) { server in
            let reader = try server.connect()
            #expect(
                try reader.reply("AUTH", "reader", "w")
                    == "-WRONGPASS invalid username-password pair or user is disabled.")
            #expect(try reader.reply("AUTH", "reader", "r") == "+OK")
            #expect(try reader.reply("ACL", "WHOAMI") == "$reader")
            #expect(
                try reader.reply("SET", "k", "v") == "-NOPERM User reader has no permissions to run the 'set' command")
            #expect(try reader.reply("GET", "k") == "nil")
            let writer = try server.connect()
            #expect(try writer.send("HELLO", "3", "AUTH", "writer", "w").fields?["proto"] == .integer(3))
            #expect(try writer.reply("SET", "k", "v") == "+OK")
            #expect(try reader.reply("GET", "k") == "$v")
            #expect(try reader.reply("ACL", "USERS") == "[$default,$reader,$writer]")
            // Re-authenticating as a writer lifts the restriction.
            #expect(try reader.reply("AUTH", "default", "s3cret") == "+OK")
            #expect(try reader.reply("SET", "k", "w") == "+OK")
        }
    }

    @Test func resetReturnsTheConnectionToItsFirstState() async throws {
        try await withServer { server in
            let client = try server.connect()
            _ = try client.send("HELLO", "3", "SETNAME", "n")
            #expect(try client.reply("SELECT", "5") == "+OK")
            #expect(try client.reply("CLIENT", "NO-EVICT", "ON") == "+OK")
            #expect(try client.reply("WATCH", "k") == "+OK")
            #expect(try client.reply("MULTI") == "+OK")
            #expect(try client.reply("SET", "k", "v") == "+QUEUED")
            #expect(try client.reply("RESET") == "+RESET")
            let state = client.state
            #expect(state.protocolVersion == .resp2)
            #expect(state.database == 0)
            #expect(state.name == "")
            #expect(state.transaction == nil)
            #expect(!state.noEvict)
            #expect(TransactionRegistry.shared.watchCount(server.daemon, state.id) == 0)
            #expect(try client.reply("EXEC") == "-ERR EXEC without MULTI")
            #expect(try client.reply("GET", "k") == "nil")
        }
        try await withServer({ $0.requirePassword = "pw" }) { server in
            let client = try server.connect()
            #expect(try client.reply("AUTH", "pw") == "+OK")
            #expect(try client.reply("RESET") == "+RESET")
            #expect(try client.reply("PING") == "-NOAUTH Authentication required.")
        }
    }

    @Test func passwordsCompareWholly() {
        #expect(ConnectionCommands.equalInConstantTime("abc", "abc"))
        #expect(!ConnectionCommands.equalInConstantTime("abc", "abd"))
        #expect(!ConnectionCommands.equalInConstantTime("abc", "ab"))
        #expect(!ConnectionCommands.equalInConstantTime("", "a"))
        #expect(ConnectionCommands.equalInConstantTime("", ""))
    }
}
