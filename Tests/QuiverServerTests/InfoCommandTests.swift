import QuiverRESP
import Testing

@testable import QuiverServer

@Suite struct InfoCommandTests {
    /// The fields of an `INFO` text, by name, and its section titles in order.
    func parse(_ text: String) -> (fields: [String: String], titles: [String]) {
        var fields: [String: String] = [:]
        var titles: [String] = []
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# ") {
                titles.append(String(line.dropFirst(2)))
            } else if let colon = line.firstIndex(of: ":") {
                fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
            }
        }
        return (fields, titles)
    }

    @Test func defaultSectionsInRedisOrder() async throws {
        try await withServer { server in
            let client = try server.connect()
            let text = try #require(try client.send("INFO").text)
            #expect(text.hasPrefix("# Server\r\nredis_version:8.8.0\r\n"))
            #expect(text.hasSuffix("\r\n"))
            #expect(!text.contains("\n\n"), "lines end in CRLF")
            #expect(text.contains("\r\n\r\n# Clients\r\n"))
            let (fields, titles) = parse(text)
            #expect(
                titles == [
                    "Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules",
                    "Errorstats", "Cluster", "Keyspace",
                ])
            #expect(fields["quiver_version"] == InfoSections.quiverVersion)
            #expect(fields["arch_bits"] == "64")
            #expect(fields["run_id"] == server.daemon.runID)
            #expect(fields["connected_clients"] == "1")
            #expect(fields["blocked_clients"] == "0")
            #expect(fields["maxclients"] == "10000")
            #expect(Int(fields["used_memory"] ?? "") ?? 0 > 0)
            #expect(fields["loading"] == "0")
            #expect(fields["aof_enabled"] == "0")
            #expect(fields["quiver_durability"] == "none")
            #expect(fields["role"] == "master")
            let all = parse(try #require(try client.send("INFO", "everything").text)).titles
            #expect(all.contains("Commandstats"))
            #expect(try client.reply("INFO", "nosuch") == "$")
        }
    }

    @Test func chosenSections() async throws {
        try await withServer { server in
            let client = try server.connect()
            #expect(try client.reply("SET", "a", "1") == "+OK")
            #expect(try client.reply("SET", "b", "2", "EX", "100") == "+OK")
            #expect(try client.reply("GET", "a") == "$1")
            #expect(try client.reply("GET", "missing") == "nil")
            #expect(try client.reply("SELECT", "3") == "+OK")
            #expect(try client.reply("SET", "c", "3") == "+OK")
            #expect(
                try client.reply("INFO", "keyspace")
                    == "$# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n")
            let (fields, titles) = parse(try #require(try client.send("INFO", "STATS", "commandstats").text))
            #expect(titles == ["Stats", "Commandstats"])
            #expect(fields["keyspace_hits"] == "1")
            #expect(fields["keyspace_misses"] == "1")
            #expect(fields["cmdstat_get"]?.hasPrefix("calls=2,usec=") == true)
            #expect(fields["cmdstat_get"]?.hasSuffix(",rejected_calls=0,failed_calls=0") == true)
            #expect(Int(fields["total_commands_processed"] ?? "") ?? 0 >= 6)
            let memory = parse(try #require(try client.send("INFO", "memory").text)).fields
            #expect(memory["used_memory_dataset"] == "\(server.daemon.stringBytes())")
            #expect(memory["maxmemory_policy"] == "noeviction")
            client.handler.state.protocolVersion = .resp3
            guard case .verbatimString(format: "txt", text: _) = try client.send("INFO", "server") else {
                Issue.record("INFO is verbatim text in RESP3")
                return
            }
        }
    }

    @Test(arguments: [
        (0, "0B"), (1023, "1023B"), (1024, "1.00K"), (1536, "1.50K"), (5 << 20, "5.00M"), (3 << 30, "3.00G"),
    ])
    func humanSizes(_ bytes: Int, _ text: String) {
        #expect(InfoSections.human(bytes) == text)
    }

    @Test func processFigures() {
        #expect(InfoSections.operatingSystem().hasPrefix("Linux "))
        #expect(InfoSections.fixed2(216.5) == "216.50")
        #expect(InfoSections.fixed2(0.004) == "0.00")
    }
}
