#if canImport(Glibc)
import Glibc
#endif
import Quiver
import QuiverTestSupport
import SystemPackage
import Testing

// The code of docs/guide.md, block by block between the markers (`DocumentationTests` checks that
// the guide holds exactly these lines).

// guide: model example start
struct CastMember: Codable, Equatable {
    var name: String
    var species: String
    var status: String
    var episodes: Int
}

/// A stand-in for a real embedding model: words hashed into 8 dimensions.
func embed(_ text: String) -> [Float] {
    var vector = [Float](repeating: 0.01, count: 8)
    for word in text.lowercased().split(separator: " ") {
        var hash: UInt32 = 2_166_136_261
        for byte in word.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        vector[Int(hash % 8)] += 1
    }
    return vector
}
// guide: model example end

// guide: slow call example start
/// A call worth caching: a language model, a web API.
func slowSummary(of character: EntityRef) async throws -> [UInt8] {
    try await Task.sleep(for: .milliseconds(20))
    return Array("\(character.id) is a character of the show.".utf8)
}
// guide: slow call example end

@Suite struct GuideTests {
    @Test func theGuideRunsFromTopToBottom() async throws {
        try await withTemporaryDirectoryAsync { directory in
            // guide: open example start
            let database = try Database.open(at: directory)
            try await database.createCollection("bios", options: CollectionOptions(dimension: 8, metric: .cosine, encoding: .i8))
            try await database.createCollection("note-vectors", options: CollectionOptions(dimension: 8, metric: .cosine))
            try database.entities.define(EntityTypeDefinition(name: "character", indexedAttributes: ["species", "status"]))
            // guide: open example end

            // guide: upsert example start
            let cast: [(id: String, character: CastMember, bio: String)] = [
                ("rick", CastMember(name: "Rick Sanchez", species: "human", status: "alive", episodes: 51), "genius scientist inventor"),
                ("morty", CastMember(name: "Morty Smith", species: "human", status: "alive", episodes: 51), "anxious teenage grandson"),
                ("birdperson", CastMember(name: "Birdperson", species: "bird-person", status: "dead", episodes: 9), "warrior friend"),
                ("squanchy", CastMember(name: "Squanchy", species: "cat-person", status: "alive", episodes: 4), "party friend"),
                ("unity", CastMember(name: "Unity", species: "hive mind", status: "unknown", episodes: 2), "planet scientist"),
            ]
            try await database.write { batch in
                for member in cast {
                    try batch.upsertEntity(
                        EntityRef(type: "character", id: member.id), value: member.character,
                        embeddings: [EntityEmbedding(collection: "bios", vector: embed(member.bio))])
                }
            }
            // guide: upsert example end

            // guide: notes example start
            let rick = EntityRef(type: "character", id: "rick")
            try await database.notes.add(to: rick, body: "Turned himself into a pickle", tags: ["episode"])
            try await database.notes.add(
                to: rick, body: "Built a portal gun", tags: ["gadget"],
                embedding: EntityEmbedding(collection: "note-vectors", vector: embed("portal gun gadget")))
            let latest = try await database.notes.list(for: rick, limit: 1)
            print(latest.elements.map(\.body))  // ["Built a portal gun"]
            let older = try await database.notes.list(for: rick, after: latest.nextCursor, limit: 1)
            print(older.elements.map(\.body))  // ["Turned himself into a pickle"]
            // guide: notes example end
            #expect(latest.elements.map(\.body) == ["Built a portal gun"])
            #expect(older.elements.map(\.body) == ["Turned himself into a pickle"])

            // guide: search example start
            let scientists = try await database.entities.search(
                embed("scientist"), k: 3, filter: #".species == "human" and .status == "alive""#, in: "bios")
            print(scientists.map(\.entity.id))  // ["rick", "morty"]
            let alive = try await database.entities.list(ofType: "character", filter: #".status == "alive""#, limit: 2)
            print(alive.elements.map(\.id), alive.nextCursor != nil)  // ["morty", "rick"] true
            for facet in try await database.entities.counts(ofType: "character", by: "species") {
                print(facet.value, facet.count)  // "human" 2, then one each of the others
            }
            // guide: search example end
            #expect(scientists.first?.entity.id == "rick")
            #expect(Set(scientists.map(\.entity.id)).isSubset(of: ["rick", "morty"]))
            #expect(alive.elements.map(\.id) == ["morty", "rick"])
            #expect(try await database.entities.counts(ofType: "character", by: "species").first == FacetCount(value: "human", count: 2))

            // guide: cache example start
            let summaries = try await database.createCache(
                "summaries", configuration: CacheConfiguration(defaultTTL: .seconds(3600), maxEntries: 10_000))
            let summary = try await summaries.getOrCompute(Key(rick.id)) { try await slowSummary(of: rick) }
            let again = try await summaries.getOrCompute(Key(rick.id)) { try await slowSummary(of: rick) }  // no call
            print(String(decoding: again, as: UTF8.self), summaries.statistics.hits)  // rick is a character of the show. 1
            // guide: cache example end
            #expect(summary == again && summaries.statistics.hits == 1)

            // guide: snapshot example start
            let (count, humans) = try database.read { snapshot in
                (try snapshot.count(in: "bios"), try snapshot.entities(ofType: "character", filter: #".species == "human""#).elements.count)
            }
            print(count, humans)  // 5 2
            try await database.entities.delete(rick)  // its vector and notes go with it
            try database.close()
            // guide: snapshot example end
            #expect(count == 5 && humans == 2)
        }
    }
}

/// `withTemporaryDirectory` for async bodies, as a path string.
func withTemporaryDirectoryAsync(_ body: (String) async throws -> Void) async throws {
    let path = try withTemporaryDirectory { $0.string + "-guide" }
    _ = system("rm -rf '\(path)' && mkdir -p '\(path)'")
    do {
        try await body(path)
    } catch {
        _ = system("rm -rf '\(path)'")
        throw error
    }
    _ = system("rm -rf '\(path)'")
}
