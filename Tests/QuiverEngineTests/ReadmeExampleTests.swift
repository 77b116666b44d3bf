import QuiverEngine
import Testing

/// README's engine example, verbatim between the markers, so the README cannot drift from the API.
@Test func readmeEngineExampleRuns() throws {
    _ = system("rm -rf /tmp/quiver-readme")
    // README example start
    let engine = try StorageEngine.open(directory: "/tmp/quiver-readme")
    if !engine.collectionNames.contains("fruit") {
        try engine.createCollection(CollectionDefinition(name: "fruit", dimension: 3, metric: .cosine))
    }
    var batch = WriteBatch()  // one atomic, durable write
    batch.upsert("apple", vector: [0.9, 0.1, 0.0], attributes: Array(#"{"color":"red"}"#.utf8), in: "fruit")
    batch.upsert("pear", vector: [0.8, 0.3, 0.1], in: "fruit")
    try engine.write(batch)
    let hits = try engine.search([1.0, 0.2, 0.0], k: 1, in: "fruit", withAttributes: true)
    print(hits.map(\.key))  // ["apple"]
    try engine.close()  // flushes to a segment file
    // README example end
    #expect(hits.map(\.key) == ["apple"])
    #expect(hits.first?.attributes == Array(#"{"color":"red"}"#.utf8))
    let reopened = try StorageEngine.open(directory: "/tmp/quiver-readme")
    #expect(try reopened.count(in: "fruit") == 2)
    try reopened.close()
    _ = system("rm -rf /tmp/quiver-readme")
}

#if canImport(Glibc)
import Glibc
#endif
