import Quiver
import QuiverRESP
import Testing

@testable import QuiverServer

/// MULTI/EXEC/DISCARD/WATCH through the connection pipeline.
@Suite struct TransactionCommandsTests {
    private func withTypes(_ body: (MetadataTestServer, MetadataTestClient) throws -> Void) async throws {
        try await withMetadataTestServer { server throws in
            let c = try server.client(.resp3)
            #expect(try c.send("ENTITY.DEFINE", "character", "INDEX", "species").text == "OK")
            #expect(try c.send("COLLECTION.CREATE", "emb", "DIM", 2, "METRIC", "l2").text == "OK")
            #expect(try c.send("CACHE.CREATE", "api").text == "OK")
            try body(server, c)
        }
    }

    @Test func execSeesItsOwnWritesAndCommitsThemTogether() async throws {
        try await withTypes { (server, c) throws in
            let observer = try server.client(.resp3)
            let replies = try c.pipeline([
                ["MULTI"],
                ["CACHE.SET", "api", "a", "1"],
                ["CACHE.GET", "api", "a"],
                [
                    "ENTITY.UPSERT", "character", "frodo", #"{"species":"hobbit"}"#, "EMBEDDING", "emb", "VALUES", 2, 1,
                    0,
                ],
                ["ENTITY.GET", "character", "frodo"],
                ["NOTE.ADD", "character", "frodo", "first"],
                ["CACHE.DEL", "api", "a"],
                ["CACHE.GET", "api", "a"],
                ["CACHE.SET", "api", "b", "2"],
            ])
            #expect(
                replies.map { $0.text } == [
                    "OK", "QUEUED", "QUEUED", "QUEUED", "QUEUED", "QUEUED", "QUEUED", "QUEUED", "QUEUED",
                ])
            // Queued, not applied: another client sees nothing yet.
            #expect(try observer.send("ENTITY.GET", "character", "frodo").isNull)
            #expect(try observer.send("CACHE.GET", "api", "b").isNull)
            let results = try #require(try c.send("EXEC").elements)
            #expect(results.count == 8)
            #expect(results[0].text == "OK")
            #expect(results[1].text == "1")
            #expect(results[2].text == "OK")
            #expect(results[3].fields?["attributes"]?.text == #"{"species":"hobbit"}"#)
            let noteID = try #require(results[4].text)
            #expect(results[5].integerValue == 1)
            #expect(results[6].isNull)
            #expect(results[7].text == "OK")
            #expect(try observer.send("ENTITY.GET", "character", "frodo").fields?["id"]?.text == "frodo")
            #expect(try observer.send("NOTE.GET", noteID).fields?["body"]?.text == "first")
            #expect(try observer.send("CACHE.GET", "api", "a").isNull)
            #expect(try observer.send("CACHE.GET", "api", "b").text == "2")
            #expect(try observer.send("COLLECTION.INFO", "emb").fields?["count"]?.integerValue == 1)
        }
    }

    @Test func errorsAroundTransactions() async throws {
        try await withTypes { (_, c) throws in
            #expect(try c.send("EXEC").errorText == "ERR EXEC without MULTI")
            #expect(try c.send("DISCARD").errorText == "ERR DISCARD without MULTI")
            #expect(try c.send("MULTI").text == "OK")
            #expect(try c.send("MULTI").errorText == "ERR MULTI calls can not be nested")
            #expect(try c.send("WATCH", "k").errorText == "ERR WATCH inside MULTI is not allowed")
            #expect(try c.send("CACHE.SET", "api", "a", "1").text == "QUEUED")
            #expect(try c.send("DISCARD").text == "OK")
            #expect(try c.send("CACHE.GET", "api", "a").isNull)

            // A queued command refused (unknown, wrong arity) aborts the whole transaction.
            #expect(try c.send("MULTI").text == "OK")
            #expect(try c.send("CACHE.SET", "api", "a", "1").text == "QUEUED")
            #expect(try c.send("NO.SUCH.COMMAND").errorText?.hasPrefix("ERR unknown command") == true)
            #expect(
                try c.send("ENTITY.GET", "character").errorText
                    == "ERR wrong number of arguments for 'ENTITY.GET' command")
            #expect(try c.send("EXEC").errorText == "EXECABORT Transaction discarded because of previous errors.")
            #expect(try c.send("CACHE.GET", "api", "a").isNull)
            #expect(try c.send("EXEC").errorText == "ERR EXEC without MULTI")

            // An empty transaction.
            #expect(try c.send("MULTI").text == "OK")
            #expect(try c.send("EXEC").elements?.isEmpty == true)
        }
    }

    @Test func aFailingCommandInsideExecWritesNothingOfItsOwn() async throws {
        try await withTypes { (_, c) throws in
            let replies = try c.pipeline([
                ["MULTI"],
                ["CACHE.SET", "api", "a", "1"],
                ["NOTE.EDIT", "no-such-note", "BODY", "x"],
                ["ENTITY.UPSERT", "character", "x", #"{"species":"elf"}"#, "EMBEDDING", "emb", "VALUES", 3, 1, 1, 1],
                ["ENTITY.DEFINE", "place"],
                ["ENTITY.UPSERT", "character", "y", #"{"species":"elf"}"#],
                ["EXEC"],
            ])
            let results = try #require(replies.last?.elements)
            #expect(results[0].text == "OK")
            #expect(results[1].errorText == "ERR no such note 'no-such-note'")
            #expect(results[2].errorText == "ERR Vector dimension mismatch - got 3 but collection 'emb' has 2")
            #expect(
                results[3].errorText == "ERR ENTITY.DEFINE cannot run inside MULTI: it is not part of a write batch")
            #expect(results[4].text == "OK")
            #expect(try c.send("CACHE.GET", "api", "a").text == "1")
            #expect(try c.send("ENTITY.GET", "character", "x").isNull)
            #expect(try c.send("ENTITY.GET", "character", "y").fields?["id"]?.text == "y")
            #expect(try c.send("ENTITY.TYPES").fields?["place"] == nil)
        }
    }

    @Test func listingsRefuseToMissQueuedWrites() async throws {
        try await withTypes { (_, c) throws in
            #expect(try c.send("ENTITY.UPSERT", "character", "a", #"{"species":"elf"}"#).text == "OK")
            let replies = try c.pipeline([
                ["MULTI"],
                ["ENTITY.LIST", "character"],
                ["ENTITY.UPSERT", "character", "b", #"{"species":"elf"}"#],
                ["ENTITY.COUNT", "character", "BY", "species"],
                ["ENTITY.SEARCH", "emb", "VALUES", 2, 0, 0],
                ["EXEC"],
            ])
            let results = try #require(replies.last?.elements)
            #expect(results[0].elements?[1].elements?.count == 1)
            #expect(results[1].text == "OK")
            #expect(results[2].errorText?.hasPrefix("ERR ENTITY.COUNT inside MULTI cannot see") == true)
            #expect(results[3].errorText?.hasPrefix("ERR ENTITY.SEARCH inside MULTI cannot see") == true)
            #expect(try c.send("ENTITY.COUNT", "character").integerValue == 2)
        }
    }

    @Test func watchedItemsAbortExec() async throws {
        try await withTypes { (server, c) throws in
            let other = try server.client(.resp3)
            // Strings: the logical database's strings table, as the string commands write it.
            let strings = try server.daemon.keyspaces[0].strings(in: server.daemon.database)
            try strings.set(Array("1".utf8), forKey: Key("counter"))
            #expect(try c.send("WATCH", "counter", "absent").text == "OK")
            try strings.set(Array("2".utf8), forKey: Key("counter"))
            #expect(try c.send("MULTI").text == "OK")
            #expect(try c.send("CACHE.SET", "api", "x", "1").text == "QUEUED")
            #expect(try c.send("EXEC").isNull)
            #expect(try c.send("CACHE.GET", "api", "x").isNull)

            // Unchanged since WATCH: EXEC runs; watches end with EXEC.
            #expect(try c.send("WATCH", "counter").text == "OK")
            #expect(try c.send("MULTI").text == "OK")
            #expect(try c.send("CACHE.SET", "api", "x", "1").text == "QUEUED")
            #expect(try c.send("EXEC").elements?.count == 1)
            #expect(TransactionRegistry.shared.watchCount(server.daemon, c.handler.state.id) == 0)

            // A key created after WATCH in another logical database does not count.
            #expect(try c.send("WATCH", "absent").text == "OK")
            try server.daemon.keyspaces[1].strings(in: server.daemon.database).set(
                Array("x".utf8), forKey: Key("absent"))
            #expect(try c.send("MULTI").text == "OK")
            #expect(try c.send("EXEC").elements?.isEmpty == true)

            // Entities, notes and cache entries.
            #expect(try c.send("ENTITY.UPSERT", "character", "frodo", "{}").text == "OK")
            let note = try #require(try c.send("NOTE.ADD", "character", "frodo", "hi").text)
            for (watch, change) in [
                (["ENTITY.WATCH", "character", "frodo"], ["ENTITY.UPSERT", "character", "frodo", #"{"v":1}"#]),
                (["NOTE.WATCH", note], ["NOTE.EDIT", note, "BODY", "changed"]),
                (["CACHE.WATCH", "api", "x"], ["CACHE.SET", "api", "x", "2"]),
                (["CACHE.WATCH", "api", "never-set"], ["CACHE.SET", "api", "never-set", "now"]),
            ] {
                #expect(try c.pipeline([watch])[0].text == "OK")
                #expect(try other.pipeline([change])[0].errorText == nil)
                let replies = try c.pipeline([["MULTI"], ["CACHE.SET", "api", "y", "1"], ["EXEC"]])
                #expect(replies[2].isNull, "\(watch)")
            }
            #expect(try c.send("CACHE.GET", "api", "y").isNull)

            // UNWATCH forgets; a change then does not abort.
            #expect(try c.send("ENTITY.WATCH", "character", "frodo").text == "OK")
            #expect(try c.send("UNWATCH").text == "OK")
            #expect(try other.send("ENTITY.UPSERT", "character", "frodo", #"{"v":2}"#).text == "OK")
            #expect(try c.pipeline([["MULTI"], ["CACHE.SET", "api", "y", "1"], ["EXEC"]])[2].elements?.count == 1)
        }
    }

    @Test func selectInsideMultiAppliesToTheCommandsAfterIt() async throws {
        try await withMetadataTestServer { server throws in
            let c = try server.client(.resp2)
            let replies = try c.pipeline([
                ["MULTI"], ["SELECT", 4], ["CACHE.LIST"], ["EXEC"], ["CACHE.CREATE", "four"], ["SELECT", 0],
                ["CACHE.LIST"],
            ])
            #expect(replies[3].elements?.map(\.text) == ["OK", nil])
            #expect(replies[6].elements?.isEmpty == true)
            #expect(try c.send("SELECT", 4).text == "OK")
            #expect(try c.send("CACHE.LIST").elements?.compactMap(\.text) == ["four"])
        }
    }
}
