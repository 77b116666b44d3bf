import Quiver
import QuiverRESP
import Testing

@testable import QuiverServer

/// The transaction itself: overlay, read set, guarded commit.
@Suite struct TransactionContextTests {
    @Test func aReadThatChangedBeforeTheCommitConflictsAndWritesNothing() async throws {
        try await withMetadataTestServer { server throws in
            let database = server.daemon.database
            let cache = try database.createCache("t", configuration: CacheConfiguration(persistent: true))
            try cache.set(Array("1".utf8), forKey: Key("n"))

            let transaction = TransactionContext(daemon: server.daemon)
            let read = try #require(transaction.cacheEntry(Key("n"), in: cache))
            transaction.setCacheEntry(Array("2".utf8), deadline: .max, forKey: Key("n"), in: cache)
            transaction.setCacheEntry(Array("x".utf8), deadline: .max, forKey: Key("other"), in: cache)
            #expect(read.value == Array("1".utf8))
            #expect(transaction.cacheEntry(Key("n"), in: cache)?.value == Array("2".utf8))

            try cache.set(Array("5".utf8), forKey: Key("n"))  // another client, before the commit
            #expect(try transaction.commit(watches: []) == .conflicted)
            #expect(cache.get(Key("n")) == Array("5".utf8))
            #expect(cache.get(Key("other")) == nil)
        }
    }

    @Test func oneCommandWritesRunAgainAfterAConflict() async throws {
        try await withMetadataTestServer { server throws in
            let database = server.daemon.database
            let cache = try database.createCache("t")
            try cache.set(Array("1".utf8), forKey: Key("n"))
            let context = CommandContext(
                daemon: server.daemon,
                connection: ConnectionState(id: 7, address: "", isLoopback: true, connectedAt: 0, lastInteraction: 0),
                arguments: [Array("TEST".utf8)])
            var attempts = 0
            try context.write { transaction in
                attempts += 1
                let value =
                    Int(String(decoding: transaction.cacheEntry(Key("n"), in: cache)?.value ?? [], as: UTF8.self)) ?? 0
                // The first attempt races another writer.
                if attempts == 1 { try? cache.set(Array("10".utf8), forKey: Key("n")) }
                transaction.setCacheEntry(Array(String(value + 1).utf8), deadline: .max, forKey: Key("n"), in: cache)
            }
            #expect(attempts == 2)
            #expect(cache.get(Key("n")) == Array("11".utf8))
        }
    }

    @Test func anInvalidBatchCommitsNothing() async throws {
        try await withMetadataTestServer { server throws in
            let database = server.daemon.database
            let cache = try database.createCache("t")
            try database.createCollection("c", options: CollectionOptions(dimension: 2, metric: .l2))
            let transaction = TransactionContext(daemon: server.daemon)
            transaction.setCacheEntry(Array("v".utf8), deadline: .max, forKey: Key("k"), in: cache)
            transaction.queue(touching: ["c"]) { $0.upsert(Key("x"), vector: [1, 2, 3], in: "c") }  // wrong dimension
            #expect(throws: QuiverError.self) { try transaction.commit(watches: []) }
            #expect(cache.get(Key("k")) == nil)
        }
    }

    @Test func entityOverlayFollowsDeletesToNotes() async throws {
        try await withMetadataTestServer { server throws in
            let database = server.daemon.database
            try database.entities.define(EntityTypeDefinition(name: "db0.t"))
            let ref = EntityRef(type: "db0.t", id: "1")
            try database.entities.upsert(ref, attributes: ["a": 1])
            let committed = try database.notes.add(to: ref, body: "old")

            let transaction = TransactionContext(daemon: server.daemon)
            let added = transaction.addNote(to: ref, body: "new", tags: ["x"], embedding: nil)
            #expect(try transaction.note(added.id)?.body == "new")
            #expect(try transaction.note(committed.id)?.body == "old")
            #expect(try transaction.deleteEntity(ref))
            #expect(try transaction.entity(ref) == nil)
            #expect(try transaction.note(added.id) == nil)
            #expect(try transaction.note(committed.id) == nil)
            #expect(try transaction.commit(watches: []) == .committed)
            #expect(try database.entities.get(ref) == nil)
            #expect(try database.notes.get(committed.id) == nil)
            #expect(try database.notes.get(added.id) == nil)
        }
    }
}
