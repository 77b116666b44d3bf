import Quiver
import QuiverRESP
import Testing

@testable import QuiverServer

/// The metadata commands through the connection pipeline, in both protocols.
@Suite struct MetadataCommandsTests {
    static let protocols: [RESPProtocolVersion] = [.resp2, .resp3]

    /// A server with type `character` (indexed by species and status), collection `emb` (3-d
    /// cosine) and three characters.
    func withWorld(
        _ version: RESPProtocolVersion, _ body: (MetadataTestServer, MetadataTestClient) throws -> Void
    ) async throws {
        try await withMetadataTestServer { server throws in
            let c = try server.client(version)
            #expect(try c.send("ENTITY.DEFINE", "character", "INDEX", "species", "status").text == "OK")
            #expect(try c.send("COLLECTION.CREATE", "emb", "DIM", 3, "METRIC", "cosine").text == "OK")
            #expect(
                try c.send(
                    "ENTITY.UPSERT", "character", "frodo",
                    #"{"name":"Frodo","species":"hobbit","status":"alive","age":50}"#,
                    "EMBEDDING", "emb", "VALUES", 3, 1, 0, 0
                ).text == "OK")
            #expect(
                try c.send(
                    "ENTITY.UPSERT", "character", "sam",
                    #"{"name":"Sam","species":"hobbit","status":"alive","age":38}"#,
                    "EMBEDDING", "emb", "FP32", fp32([0.9, 0.1, 0])
                ).text == "OK")
            #expect(
                try c.send(
                    "ENTITY.UPSERT", "character", "gandalf",
                    #"{"name":"Gandalf","species":"maia","status":"returned","age":2019}"#,
                    "EMBEDDING", "emb", "VALUES", 3, 0, 1, 0
                ).text == "OK")
            try body(server, c)
        }
    }

    @Test(arguments: protocols) func entitiesRoundTrip(_ version: RESPProtocolVersion) async throws {
        try await withWorld(version) { (_, c) throws in
            let frodo = try #require(try c.send("ENTITY.GET", "character", "frodo").fields)
            #expect(frodo["type"]?.text == "character")
            #expect(frodo["id"]?.text == "frodo")
            #expect(frodo["attributes"]?.text == #"{"name":"Frodo","species":"hobbit","status":"alive","age":50}"#)
            #expect((frodo["created"]?.integerValue ?? 0) > 0)
            #expect(frodo["created"] == frodo["updated"])
            #expect(try c.send("ENTITY.GET", "character", "nobody").isNull)

            let types = try #require(try c.send("ENTITY.TYPES").fields)
            #expect(types["character"]?.elements?.compactMap(\.text) == ["species", "status"])

            // A listing by an indexed facet, two pages.
            let first = try #require(
                try c.send("ENTITY.LIST", "character", "FILTER", #".species == "hobbit""#, "LIMIT", 1).elements)
            let cursor = try #require(first[0].text)
            #expect(cursor != "0")
            #expect(first[1].elements?.first?.fields?["id"]?.text == "frodo")
            let second = try #require(
                try c.send("ENTITY.LIST", "character", "FILTER", #".species == "hobbit""#, "LIMIT", 1, "CURSOR", cursor)
                    .elements)
            #expect(second[1].elements?.first?.fields?["id"]?.text == "sam")
            #expect(second[0].text == "0")

            // Facets, largest first, keyed by JSON literals.
            let facets = try c.send("ENTITY.COUNT", "character", "BY", "species")
            #expect(facets.orderedKeys == [#""hobbit""#, #""maia""#])
            #expect(facets.fields?[#""hobbit""#]?.integerValue == 2)
            #expect(try c.send("ENTITY.COUNT", "character").integerValue == 3)
            #expect(try c.send("ENTITY.COUNT", "character", "FILTER", ".age > 40").integerValue == 2)
            #expect(
                try c.send("ENTITY.COUNT", "character", "BY", "status", "FILTER", #".species == "hobbit""#).fields?[
                    #""alive""#]?.integerValue == 2)

            // Semantic search with a filter, and by an existing entity's vector.
            let hits = try #require(try c.send("ENTITY.SEARCH", "emb", "VALUES", 3, 1, 0, 0, "K", 2).elements)
            #expect(hits.compactMap { $0.fields?["id"]?.text } == ["frodo", "sam"])
            #expect((hits[0].fields?["distance"]?.number ?? 1) < 0.001)
            let filtered = try #require(
                try c.send("ENTITY.SEARCH", "emb", "VALUES", 3, 1, 0, 0, "K", 2, "FILTER", ".age > 100").elements)
            #expect(filtered.compactMap { $0.fields?["id"]?.text } == ["gandalf"])
            let similar = try #require(try c.send("ENTITY.SEARCH", "emb", "ELE", "character", "sam", "K", 1).elements)
            #expect(similar.first?.fields?["id"]?.text == "sam")
            let mixed = try #require(try c.send("COLLECTION.SEARCH", "emb", "VALUES", 3, 0, 1, 0, "K", 1).elements)
            #expect(mixed.first?.fields?["kind"]?.text == "entity")
            #expect(mixed.first?.fields?["id"]?.text == "gandalf")

            // Replacing keeps `created`; deleting removes the entity and its vector.
            #expect(
                try c.send(
                    "ENTITY.UPSERT", "character", "frodo", #"{"name":"Frodo","species":"hobbit","status":"gone"}"#
                ).text == "OK")
            let replaced = try #require(try c.send("ENTITY.GET", "character", "frodo").fields)
            #expect(replaced["created"] == frodo["created"])
            #expect(try c.send("ENTITY.COUNT", "character", "BY", "status").fields?[#""gone""#]?.integerValue == 1)
            #expect(try c.send("ENTITY.DEL", "character", "frodo", "nobody").integerValue == 1)
            #expect(try c.send("ENTITY.GET", "character", "frodo").isNull)
            #expect(try c.send("COLLECTION.INFO", "emb").fields?["count"]?.integerValue == 2)
        }
    }

    @Test(arguments: protocols) func notes(_ version: RESPProtocolVersion) async throws {
        try await withWorld(version) { (_, c) throws in
            #expect(try c.send("COLLECTION.CREATE", "note-emb", "DIM", 3, "METRIC", "l2", "QUANT", "f16").text == "OK")
            var ids: [String] = []
            for i in 0..<5 {
                let id = try #require(
                    try c.send(
                        "NOTE.ADD", "character", "frodo", "note \(i)", "TAGS", 2, "t\(i % 2)", "all", "EMBEDDING",
                        "note-emb", "VALUES",
                        3, Double(i), 0, 0
                    ).text)
                ids.append(id)
            }
            #expect(Set(ids).count == 5)
            let note = try #require(try c.send("NOTE.GET", ids[0]).fields)
            #expect(note["body"]?.text == "note 0")
            #expect(note["type"]?.text == "character")
            #expect(note["entity"]?.text == "frodo")
            #expect(note["tags"]?.elements?.compactMap(\.text) == ["t0", "all"])
            #expect(note["collection"]?.text == "note-emb")

            // Newest first (by creation millisecond: notes of one millisecond come in id order), in pages.
            let page = try #require(try c.send("NOTE.LIST", "character", "frodo", "LIMIT", 3).elements)
            let next = try #require(page[0].text)
            let rest = try #require(try c.send("NOTE.LIST", "character", "frodo", "CURSOR", next).elements)
            #expect(rest[0].text == "0")
            let listed = (page[1].elements ?? []) + (rest[1].elements ?? [])
            #expect(Set(listed.compactMap { $0.fields?["id"]?.text }) == Set(ids))
            let created = listed.compactMap { $0.fields?["created"]?.integerValue }
            #expect(created.count == 5 && created == created.sorted(by: >))

            // Edit, then a search filtered on the note's type and tags.
            #expect(try c.send("NOTE.EDIT", ids[1], "BODY", "edited", "TAGS", 1, "special").text == "OK")
            #expect(try c.send("NOTE.GET", ids[1]).fields?["body"]?.text == "edited")
            let found = try #require(
                try c.send(
                    "NOTE.SEARCH", "note-emb", "VALUES", 3, 0, 0, 0, "K", 3, "FILTER",
                    #".type == "character" and "special" in .tags"#
                )
                .elements)
            #expect(found.compactMap { $0.fields?["id"]?.text } == [ids[1]])
            let nearest = try #require(try c.send("NOTE.SEARCH", "note-emb", "ELE", ids[4], "K", 2).elements)
            #expect(nearest.compactMap { $0.fields?["id"]?.text } == [ids[4], ids[3]])
            #expect(try c.send("NOTE.EDIT", "nope", "BODY", "x").errorText == "ERR no such note 'nope'")

            #expect(try c.send("NOTE.DEL", ids[0], "nope").integerValue == 1)
            #expect(try c.send("NOTE.GET", ids[0]).isNull)
            // Deleting the entity deletes its notes and their embeddings.
            #expect(try c.send("ENTITY.DEL", "character", "frodo").integerValue == 1)
            #expect(try c.send("NOTE.GET", ids[4]).isNull)
            #expect(try c.send("COLLECTION.INFO", "note-emb").fields?["count"]?.integerValue == 0)
            #expect(
                try c.send("NOTE.ADD", "character", "frodo", "orphan").errorText
                    == "ERR no such entity 'character' 'frodo'")
        }
    }

    @Test(arguments: protocols) func caches(_ version: RESPProtocolVersion) async throws {
        try await withMetadataTestServer { server in try cacheCommands(try server.client(version)) }
    }

    private func cacheCommands(_ c: MetadataTestClient) throws {
        #expect(try c.send("CACHE.CREATE", "api", "TTL", 60_000, "MAXENTRIES", 2, "MEMORY").text == "OK")
        #expect(try c.send("CACHE.CREATE", "api", "TTL", 60_000, "MAXENTRIES", 2, "MEMORY").text == "OK")
        #expect(
            try c.send("CACHE.CREATE", "api", "TTL", 5).errorText == "ERR cache 'api' exists with another configuration"
        )
        #expect(try c.send("CACHE.LIST").elements?.compactMap(\.text) == ["api"])
        #expect(try c.send("CACHE.GET", "api", "a").isNull)
        #expect(try c.send("CACHE.SET", "api", "a", "1").text == "OK")
        #expect(try c.send("CACHE.SET", "api", "b", "2", "EX", 100).text == "OK")
        #expect(try c.send("CACHE.GET", "api", "a").text == "1")
        let pttl = try #require(try c.send("CACHE.PTTL", "api", "a").integerValue)
        #expect(pttl > 59_000 && pttl <= 60_000)
        #expect(try c.send("CACHE.TTL", "api", "b").integerValue == 100)
        #expect(try c.send("CACHE.TTL", "api", "zz").integerValue == -2)
        #expect(try c.send("CACHE.SET", "api", "c", "3").text == "OK")  // evicts one: MAXENTRIES 2
        let stats = try #require(try c.send("CACHE.STATS", "api").fields)
        #expect(stats["hits"]?.integerValue == 1)
        #expect(stats["misses"]?.integerValue == 1)
        #expect(stats["hit_ratio"]?.number == 0.5)
        #expect(stats["evictions"]?.integerValue == 1)
        #expect(stats["entries"]?.integerValue == 2)
        #expect(stats["ttl"]?.integerValue == 60_000)
        #expect(try c.send("CACHE.KEYS", "api").elements?.count == 2)
        #expect(try c.send("CACHE.DEL", "api", "a", "b", "c", "zz").integerValue == 2)
        #expect(
            try c.send("CACHE.SET", "api", "a", "1", "PX", 0).errorText
                == "ERR invalid expire time in 'cache.set' command")
        #expect(try c.send("CACHE.FLUSH", "api").text == "OK")
        #expect(try c.send("CACHE.DROP", "api").text == "OK")
        #expect(try c.send("CACHE.GET", "api", "a").errorText == "ERR no such cache 'api'")
        #expect(try c.send("CACHE.LIST").elements?.isEmpty == true)
    }

    @Test func logicalDatabasesAreIsolated() async throws {
        try await withWorld(.resp3) { (server, c) throws in
            let id = try #require(try c.send("NOTE.ADD", "character", "sam", "mine").text)
            #expect(try c.send("CACHE.CREATE", "api").text == "OK")
            let other = try server.client(.resp3)
            #expect(try other.send("SELECT", 2).text == "OK")
            #expect(
                try other.send("ENTITY.GET", "character", "sam").errorText?.hasPrefix(
                    "ERR unknown entity type 'character'") == true)
            #expect(try other.send("ENTITY.TYPES").fields?.isEmpty == true)
            #expect(try other.send("COLLECTION.LIST").elements?.isEmpty == true)
            #expect(try other.send("CACHE.LIST").elements?.isEmpty == true)
            #expect(try other.send("NOTE.GET", id).isNull)
            #expect(try other.send("NOTE.DEL", id).integerValue == 0)
            // The same names in db 2 are another tenant's.
            #expect(try other.send("ENTITY.DEFINE", "character").text == "OK")
            #expect(try other.send("COLLECTION.CREATE", "emb", "DIM", 2, "METRIC", "l2").text == "OK")
            #expect(
                try other.send(
                    "ENTITY.UPSERT", "character", "sam", #"{"evil":true}"#, "EMBEDDING", "emb", "VALUES", 2, 1, 1
                ).text == "OK")
            #expect(try other.send("ENTITY.COUNT", "character").integerValue == 1)
            #expect(try c.send("ENTITY.COUNT", "character").integerValue == 3)
            #expect(try c.send("ENTITY.GET", "character", "sam").fields?["attributes"]?.text?.contains("Sam") == true)
            #expect(try c.send("COLLECTION.INFO", "emb").fields?["dim"]?.integerValue == 3)
            // Cursors name positions within the listing's own type: db 0's cursor after "frodo"
            // resumes db 2's listing after "frodo", among db 2's entities only.
            let page = try #require(try c.send("ENTITY.LIST", "character", "LIMIT", 1).elements)
            let cursor = try #require(page[0].text)
            #expect(!cursor.contains(MetadataSupport.hexEncoded(Array("db0".utf8))))
            let resumed = try #require(try other.send("ENTITY.LIST", "character", "CURSOR", cursor).elements)
            #expect(resumed[1].elements?.compactMap { $0.fields?["attributes"]?.text } == [#"{"evil":true}"#])
            #expect(
                try other.send("ENTITY.LIST", "character", "CURSOR", "s" + "ff00").errorText == "ERR invalid cursor")
        }
    }

    @Test func badInput() async throws {
        try await withWorld(.resp2) { (_, c) throws in
            let cases: [([any MetadataTestArgument], String)] = [
                (["ENTITY.GET", "villain", "x"], "ERR unknown entity type 'villain' (declare it with ENTITY.DEFINE)"),
                (["ENTITY.UPSERT", "character", "x", "{nope"], "ERR invalid JSON"),
                (["ENTITY.UPSERT", "character", "x", "[1]"], "ERR entity attributes must be a JSON object"),
                (
                    ["ENTITY.UPSERT", "character", "x", "{}", "EMBEDDING", "nope", "VALUES", 1, 1],
                    "ERR no such collection 'nope'"
                ),
                (
                    ["ENTITY.UPSERT", "character", "x", "{}", "EMBEDDING", "emb", "VALUES", 2, 1, 1],
                    "ERR Vector dimension mismatch - got 2 but collection 'emb' has 3"
                ),
                (
                    ["ENTITY.UPSERT", "character", "x", "{}", "EMBEDDING", "emb", "VALUES", 3, 1, "x", 1],
                    "ERR invalid vector specification"
                ),
                (
                    ["ENTITY.UPSERT", "character", "x", "{}", "EMBEDDING", "emb", "FP32", "abc"],
                    "ERR invalid vector specification"
                ),
                (["ENTITY.UPSERT", "character", "x", "{}", "BOGUS"], "ERR syntax error"),
                (["ENTITY.LIST", "character", "FILTER", ".a @ 1"], "ERR syntax error in FILTER expression near: @ 1"),
                (
                    ["ENTITY.SEARCH", "emb", "VALUES", 3, 1, 0, 0, "FILTER", "(.a"],
                    "ERR syntax error in FILTER expression near: (.a"
                ),
                (["ENTITY.LIST", "character", "CURSOR", "zz"], "ERR invalid cursor"),
                (["ENTITY.LIST", "character", "LIMIT", 0], "ERR LIMIT must be an integer in 1...10000"),
                (["ENTITY.GET", "character"], "ERR wrong number of arguments for 'ENTITY.GET' command"),
                (["ENTITY.SEARCH", "emb", "ELE", "character", "nobody"], "ERR element not found in collection"),
                (["COLLECTION.CREATE", "emb", "DIM", 3, "METRIC", "cosine"], "ERR collection 'emb' already exists"),
                (["COLLECTION.CREATE", "x", "DIM", 3, "METRIC", "hamming"], "ERR METRIC must be cosine, l2 or ip"),
                (["COLLECTION.CREATE", "x", "DIM", 0, "METRIC", "l2"], "ERR DIM must be an integer in 1...65536"),
                (["COLLECTION.CREATE", "x", "METRIC", "l2", "M", 8], "ERR COLLECTION.CREATE needs DIM and METRIC"),
                (["NOTE.ADD", "character", "frodo", "x", "TAGS", 3, "a"], "ERR syntax error"),
                (["CACHE.SET", "nope", "k", "v"], "ERR no such cache 'nope'"),
                (
                    ["ENTITY.DEFINE", "bad\u{1}name"],
                    "ERR entity type must be 1...200 bytes without control characters"
                ),
            ]
            for (command, expected) in cases {
                let reply = try c.pipeline([command])[0]
                #expect(
                    reply.errorText?.hasPrefix(expected) == true,
                    "\(command.map { String(decoding: $0.bytes, as: UTF8.self) }): \(reply)")
            }
            // Nothing was written by the failed commands, and the connection still works.
            #expect(try c.send("ENTITY.GET", "character", "x").isNull)
            #expect(try c.send("PING").text == "PONG")
        }
    }

    @Test func errorsNeverShowTheNamespace() async throws {
        try await withMetadataTestServer { server throws in
            let spec = MetadataCommands.hidingNamespaces(
                CommandSpec("X.FAIL", arity: 1, flags: [.module], group: "module", summary: "") {
                    _ throws(CommandError) in
                    throw .err("no collection named db3.emb (db3.x), db30.y")
                })
            var context = CommandContext(
                daemon: server.daemon,
                connection: ConnectionState(id: 1, address: "", isLoopback: true, connectedAt: 0, lastInteraction: 0),
                arguments: [Array("X.FAIL".utf8)])
            context.connection.database = 3
            #expect(throws: CommandError.err("no collection named emb (x), db30.y")) { try spec.run(&context) }
        }
    }

    /// Every command is declared with keys where it names one and is documented.
    @Test func specsAreDeclaredAndDocumented() throws {
        let documentation = try #require(readTextFile(Self.packageRoot + "/docs/protocol.md"))
        for spec in MetadataCommands.specs {
            #expect(
                spec.flags.contains(.write) != spec.flags.contains(.readonly) || spec.flags.contains(.noMulti)
                    || spec.group == "transactions",
                "\(spec.name): write or read-only")
            if spec.arity > 1 || spec.arity < -1 {
                #expect(
                    spec.firstKey == 1 || spec.name.hasSuffix(".LIST") || spec.name.hasSuffix(".TYPES")
                        || spec.group == "transactions", "\(spec.name) key")
            }
            #expect(documentation.contains("### \(spec.name)"), "\(spec.name) has a section in docs/protocol.md")
            #expect(CommandTable.all[spec.name] != nil)
        }
    }

    static let packageRoot: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()
}
