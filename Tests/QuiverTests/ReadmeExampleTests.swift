import Quiver
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// README's Swift example, verbatim between the markers (`DocumentationTests` checks that README
/// holds exactly these lines, and `tools/check-readme` builds it in a fresh package).
@Test func readmeExampleRuns() throws {
    _ = system("rm -rf /tmp/quiver-example")
    // README example start
    let database = try Database.open(at: "/tmp/quiver-example")
    if !database.collectionNames.contains("characters") {
        try database.createCollection("characters", options: CollectionOptions(dimension: 3, metric: .cosine))
    }
    try database.entities.define(EntityTypeDefinition(name: "character", indexedAttributes: ["species"]))
    try database.write { batch in  // one atomic, durable write: entities and their vectors
        batch.upsertEntity(
            EntityRef(type: "character", id: "rick"), attributes: ["name": "Rick", "species": "human"],
            embeddings: [EntityEmbedding(collection: "characters", vector: [0.9, 0.1, 0.0])])
        batch.upsertEntity(
            EntityRef(type: "character", id: "squanchy"), attributes: ["name": "Squanchy", "species": "cat"],
            embeddings: [EntityEmbedding(collection: "characters", vector: [0.1, 0.9, 0.2])])
    }
    let nearest = try database.entities.search([1.0, 0.2, 0.0], k: 1, in: "characters")
    print(nearest.map(\.entity.id))  // ["rick"]
    let cats = try database.entities.list(ofType: "character", filter: #".species == "cat""#)
    print(cats.elements.map(\.id))  // ["squanchy"]
    try database.close()  // flushes to segment files
    // README example end
    #expect(nearest.map(\.entity.id) == ["rick"])
    #expect(cats.elements.map(\.id) == ["squanchy"])
    let reopened = try Database.open(at: "/tmp/quiver-example")
    #expect(try reopened.entities.get(EntityRef(type: "character", id: "rick"))?.attributes["name"] == "Rick")
    try reopened.close()
    _ = system("rm -rf /tmp/quiver-example")
}
