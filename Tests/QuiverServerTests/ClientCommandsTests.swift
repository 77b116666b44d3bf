import NIOCore
import NIOEmbedded
import QuiverRESP
import Testing

@testable import QuiverServer

@Suite struct ClientCommandsTests {
    @Test func namesAndIdentifiers() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(try client.reply("CLIENT", "ID") == ":\(client.state.id)")
            #expect(try client.reply("CLIENT", "GETNAME") == "nil")
            #expect(
                try client.reply("CLIENT", "SETNAME", "a b")
                    == "-ERR Client names cannot contain spaces, newlines or special characters.")
            #expect(try client.reply("CLIENT", "SETNAME", "worker") == "+OK")
            #expect(try client.reply("CLIENT", "GETNAME") == "$worker")
            #expect(try client.reply("CLIENT", "SETNAME", "") == "+OK")
            #expect(try client.reply("CLIENT", "GETNAME") == "nil")
            #expect(
                try client.reply("CLIENT", "SETNAME") == "-ERR wrong number of arguments for 'client|setname' command")
            #expect(try client.reply("CLIENT") == "-ERR wrong number of arguments for 'client' command")
            #expect(try client.reply("CLIENT", "FOO") == "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.")
            #expect(try client.reply("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == "+OK")
            #expect(try client.reply("CLIENT", "SETINFO", "lib-ver", "8.1.0") == "+OK")
            #expect(try client.reply("CLIENT", "SETINFO", "foo", "x") == "-ERR Unrecognized option 'foo'")
            #expect(
                try client.reply("CLIENT", "SETINFO", "lib-name", "a b")
                    == "-ERR lib-name cannot contain spaces, newlines or special characters.")
            #expect(client.state.libraryName == "redis-py")
            #expect(client.state.libraryVersion == "8.1.0")
        }
    }

    @Test func infoAndListPrintRedisLines() async throws {
        try await withServer { server in
            let first = try server.connect(address: "127.0.0.1:5001")
            let second = try server.connect(address: "127.0.0.1:5002")
            #expect(try first.reply("CLIENT", "SETNAME", "one") == "+OK")
            #expect(try second.reply("SELECT", "2") == "+OK")
            let info = try #require(try first.send("CLIENT", "INFO").text)
            #expect(info.hasSuffix("\n"))
            #expect(
                info.hasPrefix(
                    "id=\(first.state.id) addr=127.0.0.1:5001 laddr=127.0.0.1:6379 fd=-1 name=one age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 watch=0 "
                ))
            #expect(info.contains(" cmd=client|info user=default redir=-1 resp=2 lib-name= lib-ver= io-thread=0\n"))
            let list = try #require(try second.send("CLIENT", "LIST").text)
            let lines = list.split(separator: "\n").map(String.init)
            #expect(lines.count == 2)
            #expect(lines[0].hasPrefix("id=\(first.state.id) addr=127.0.0.1:5001 "))
            #expect(lines[0].contains(" cmd=client "))
            #expect(lines[1].contains(" db=2 "))
            #expect(lines[1].contains(" cmd=client|list "))
            let only = try #require(try second.send("CLIENT", "LIST", "ID", "\(first.state.id)").text)
            #expect(only.split(separator: "\n").count == 1)
            #expect(try second.reply("CLIENT", "LIST", "TYPE", "pubsub") == "$")
            #expect(try second.reply("CLIENT", "LIST", "TYPE", "bogus") == "-ERR Unknown client type 'bogus'")
            #expect(try second.reply("CLIENT", "LIST", "ID", "x") == "-ERR Invalid client ID")
            // Modes show in the flags; a transaction too.
            #expect(try first.reply("CLIENT", "NO-EVICT", "on") == "+OK")
            #expect(try first.reply("CLIENT", "NO-TOUCH", "ON") == "+OK")
            #expect(try first.reply("CLIENT", "NO-TOUCH", "maybe") == "-ERR syntax error")
            #expect(try first.reply("MULTI") == "+OK")
            _ = try first.send("DISCARD")
            let flags = try #require(try first.send("CLIENT", "INFO").text)
            #expect(flags.contains(" flags=eT "))
            // RESP3 gets a verbatim string.
            first.handler.state.protocolVersion = .resp3
            guard case .verbatimString(let format, _) = try first.send("CLIENT", "INFO") else {
                Issue.record("CLIENT INFO in RESP3 is verbatim text")
                return
            }
            #expect(format == "txt")
        }
    }

    @Test func killClosesOtherConnections() async throws {
        try await withServer { server in
            let killer = try server.connect(address: "127.0.0.1:6001")
            let victim = try server.connect(address: "127.0.0.1:6002")
            let bystander = try server.connect(address: "127.0.0.1:6003")
            #expect(try killer.reply("CLIENT", "KILL", "ID", "\(victim.state.id)") == ":1")
            #expect(!victim.isOpen)
            #expect(bystander.isOpen)
            #expect(try killer.reply("CLIENT", "KILL", "ID", "\(victim.state.id)") == ":0")
            #expect(try killer.reply("CLIENT", "KILL", "ID", "0") == "-ERR client-id should be greater than 0")
            #expect(try killer.reply("CLIENT", "KILL", "ID", "\(killer.state.id)") == ":0", "SKIPME defaults to yes")
            #expect(try killer.reply("CLIENT", "KILL", "1.2.3.4:5") == "-ERR No such client")
            #expect(
                try killer.reply("CLIENT", "KILL", "ID") == "-ERR No such client", "three arguments are the old form")
            #expect(try killer.reply("CLIENT", "KILL", "ID", "1", "SKIPME") == "-ERR syntax error")
            #expect(try killer.reply("CLIENT", "KILL", "USER", "ghost") == "-ERR No such user 'ghost'")
            #expect(try killer.reply("CLIENT", "KILL", "ADDR", "127.0.0.1:6003") == ":1")
            #expect(!bystander.isOpen)
            // The old form may name the connection itself: it replies, then closes.
            #expect(try killer.reply("CLIENT", "KILL", "127.0.0.1:6001") == "+OK")
            #expect(!killer.isOpen)
        }
    }

    @Test func replyModes() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(try client.reply("CLIENT", "REPLY", "ON") == "+OK")
            #expect(try client.reply("CLIENT", "REPLY", "MAYBE") == "-ERR syntax error")
            // OFF: nothing until ON, errors and staged writes included (the writes still happen).
            #expect(try client.replies(["CLIENT", "REPLY", "OFF"]).isEmpty)
            #expect(try client.replies(["SET", "k", "v"]).isEmpty)
            #expect(try client.replies(["GET", "k"]).isEmpty)
            #expect(try client.replies(["NOSUCH"]).isEmpty)
            #expect(try client.replies(["CLIENT", "REPLY", "SKIP"]).isEmpty, "SKIP while OFF changes nothing")
            #expect(try client.reply("CLIENT", "REPLY", "ON") == "+OK")
            #expect(try client.reply("GET", "k") == "$v")
            // SKIP: its own reply and the next command's are left out.
            #expect(try client.replies(["CLIENT", "REPLY", "SKIP"]).isEmpty)
            #expect(try client.replies(["SET", "k", "w"]).isEmpty)
            #expect(try client.reply("GET", "k") == "$w")
            #expect(try client.reply("CLIENT", "GETREDIR") == ":-1")
        }
    }

    @Test func silencedRepliesInAPipelineLeaveTheOthersIntact() async throws {
        try await withServer { server in
            let client = try server.connect()
            var pipeline = client.channel.allocator.buffer(capacity: 256)
            for command in [["SET", "a", "1"], ["SET", "b", "2"], ["CLIENT", "REPLY", "SKIP"], ["SET", "c", "3"], ["GET", "a"], ["SET", "d", "4"]] {
                pipeline.writeString("*\(command.count)\r\n" + command.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined())
            }
            try client.channel.writeInbound(pipeline)
            client.channel.embeddedEventLoop.run()
            var output = client.channel.allocator.buffer(capacity: 256)
            while var part = try client.channel.readOutbound(as: ByteBuffer.self) { output.writeBuffer(&part) }
            #expect(String(buffer: output) == "+OK\r\n+OK\r\n$1\r\n1\r\n+OK\r\n")
            #expect(try client.reply("MGET", "a", "b", "c", "d") == "[$1,$2,$3,$4]")
        }
    }

    @Test(arguments: ["ok", "a:b", "!~"]) func validNames(_ name: String) throws {
        try ClientCommands.validateName(name)
    }

    @Test(arguments: ["a b", "a\nb", "é"]) func invalidNames(_ name: String) {
        #expect(throws: CommandError.self) { try ClientCommands.validateName(name) }
    }
}
