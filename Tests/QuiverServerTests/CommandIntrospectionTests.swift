import QuiverRESP
import Testing

@testable import QuiverServer

@Suite struct CommandIntrospectionTests {
    @Test func countAndInfo() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(try client.reply("COMMAND", "COUNT") == ":\(CommandTable.all.count)")
            #expect(
                try client.reply("COMMAND", "INFO", "get")
                    == "[[$get,:2,[+readonly,+fast],:1,:1,:1,[+@read,+@string,+@fast],[],[[$flags,[+RO,+access],$begin_search,[$type,$index,$spec,[$index,:1]],$find_keys,[$type,$range,$spec,[$lastkey,:0,$keystep,:1,$limit,:0]]]],[]]]"
            )
            #expect(
                try client.reply("COMMAND", "INFO", "CLIENT|SETNAME", "nosuch")
                    == "[[$client|setname,:3,[+noscript,+loading,+stale],:0,:0,:0,[+@slow,+@connection],[],[],[]],nil]")
            let client3 = try server.connect()
            client3.handler.state.protocolVersion = .resp3
            #expect(
                try client3.reply("COMMAND", "INFO", "mset")
                    == "[[$mset,:-3,~[+write,+denyoom],:1,:-1,:2,~[+@write,+@string,+@slow],~[],[{$flags:~[+RW,+update],$begin_search:{$type:$index,$spec:{$index::1}},$find_keys:{$type:$range,$spec:{$lastkey::-1,$keystep::2,$limit::0}}}],[]]]"
            )
            let everything = try #require(try client.send("COMMAND").elements)
            #expect(everything.count == CommandTable.all.count)
            let container = try #require(try client.send("COMMAND", "INFO", "client").elements?.first?.elements)
            #expect(container.count == 10)
            #expect((container[9].elements?.count ?? 0) == ClientCommands.spec.subcommands.count)
        }
    }

    @Test func docsForRedisCliHints() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(
                try client.reply("COMMAND", "DOCS", "get", "nosuch")
                    == "[$get,[$summary,$Returns the string value of a key.,$since,$1.0.0,$group,$string,$complexity,$O(1)]]"
            )
            let config = try #require(try client.send("COMMAND", "DOCS", "config").fields?["config"]?.fields)
            #expect(config["subcommands"]?.fields?["config|get"]?.fields?["group"]?.text == "server")
            let all = try #require(try client.send("COMMAND", "DOCS").fields)
            #expect(all.count == CommandTable.all.count)
        }
    }

    @Test func listAndFilters() async throws {
        try await withServer { server in
            let client = try server.connect()
            let names = try #require(try client.send("COMMAND", "LIST").elements?.compactMap(\.text))
            #expect(names.contains("get"))
            #expect(names.contains("client|setname"))
            #expect(names.contains("vsim"))
            #expect(Set(names).count == names.count)
            let pattern = try #require(
                try client.send("COMMAND", "LIST", "FILTERBY", "PATTERN", "CONFIG*").elements?.compactMap(\.text))
            #expect(pattern == ["config", "config|get", "config|set", "config|resetstat", "config|rewrite"])
            let modules = try #require(try client.send("COMMAND", "LIST", "FILTERBY", "MODULE", "vectorset").elements)
            #expect(modules.contains(.bulkString("vadd")))
            let connection = try #require(
                try client.send("COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection").elements)
            #expect(connection.contains(.bulkString("hello")))
            #expect(!connection.contains(.bulkString("get")))
            #expect(try client.reply("COMMAND", "LIST", "FILTERBY", "COLOR", "red") == "-ERR syntax error")
        }
    }

    @Test func getKeys() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(try client.reply("COMMAND", "GETKEYS", "set", "a", "b") == "[$a]")
            #expect(try client.reply("COMMAND", "GETKEYS", "mset", "a", "1", "b", "2") == "[$a,$b]")
            #expect(try client.reply("COMMAND", "GETKEYS", "del", "x", "y", "z") == "[$x,$y,$z]")
            #expect(try client.reply("COMMAND", "GETKEYS", "memory", "usage", "k") == "[$k]")
            #expect(try client.reply("COMMAND", "GETKEYS", "ping", "x") == "-ERR The command has no key arguments")
            #expect(try client.reply("COMMAND", "GETKEYS", "nosuch", "x") == "-ERR Invalid command specified")
            #expect(
                try client.reply("COMMAND", "GETKEYS", "get", "a", "b")
                    == "-ERR Invalid number of arguments specified for command")
            #expect(
                try client.reply("COMMAND", "GETKEYS", "get")
                    == "-ERR wrong number of arguments for 'command|getkeys' command")
        }
    }

    @Test func categoriesFollowRedisOrder() throws {
        func categories(_ name: String) throws -> [String] {
            CommandIntrospection.categories(try #require(CommandIntrospection.lookUp(Array(name.utf8))))
        }
        #expect(try categories("get") == ["@read", "@string", "@fast"])
        #expect(try categories("ttl") == ["@keyspace", "@read", "@fast"])
        #expect(try categories("ping") == ["@fast", "@connection"])
        #expect(try categories("multi") == ["@fast", "@transaction"])
        #expect(try categories("client|list") == ["@admin", "@slow", "@dangerous", "@connection"])
    }
}
