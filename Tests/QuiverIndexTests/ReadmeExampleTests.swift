import QuiverIndex
import Testing

/// README's Swift example, verbatim between the markers, so the README cannot drift from the API.
@Test func readmeExampleRuns() throws {
    // README example start
    var configuration = HNSWConfiguration(dimension: 3, metric: .cosine)
    configuration.m = 16
    let index = try HNSWIndex(configuration)
    let apple = try index.add([0.9, 0.1, 0.0])
    let pear = try index.add([0.8, 0.3, 0.1])
    try index.add([0.0, 0.2, 0.9])
    let nearest = try index.search([1.0, 0.2, 0.0], k: 2)
    print(nearest.map(\.id) == [apple, pear])  // true
    let onlyPears = try [Float]([1.0, 0.2, 0.0]).withUnsafeBufferPointer { try index.search($0, k: 1) { $0 == pear } }
    // README example end
    #expect(nearest.map(\.id) == [apple, pear])
    #expect(onlyPears.map(\.id) == [pear])
}
