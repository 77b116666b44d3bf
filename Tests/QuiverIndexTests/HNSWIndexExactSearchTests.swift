import QuiverKernels
import QuiverTestSupport
import Testing

@testable import QuiverIndex

@Suite struct HNSWIndexExactSearchTests {
    /// The exact search is a brute force over live ids with the distances searches report: the
    /// same top k as sorting every live id by `distance(from:to:)`, filters applied, deletes
    /// skipped.
    @Test(arguments: IndexShape.all)
    func matchesABruteForceOverLiveIds(shape: IndexShape) throws {
        let data = ClusteredDataset(
            count: 600, queryCount: 8, dimension: shape.dimension, clusters: 6, metric: shape.metric, seed: 4)
        var configuration = HNSWConfiguration(dimension: shape.dimension, metric: shape.metric)
        configuration.m = 8
        configuration.efConstruction = 40
        configuration.encoding = shape.encoding
        configuration.rerank = shape.rerank
        configuration.purgeRatio = 1
        let index = try HNSWIndex(configuration)
        _ = try data.train.withUnsafeBufferPointer { try index.add(contentsOf: $0, threads: 1) }
        for id in stride(from: UInt32(0), to: 600, by: 7) { try index.remove(id) }
        for q in 0..<data.queryCount {
            let query = Array(data.query(q))
            for filter: ((UInt32) -> Bool)? in [nil, { $0 % 3 == 0 }] {
                var expected: [SearchResult] = []
                for id in UInt32(0)..<600 where index.contains(id) && (filter?(id) ?? true) {
                    expected.append(
                        SearchResult(id: id, distance: try #require(try index.distance(from: query, to: id))))
                }
                expected.sort { ($0.distance, $0.id) < ($1.distance, $1.id) }
                let found = try index.exactSearch(query, k: 15, filter: filter)
                #expect(found.map(\.distance) == expected.prefix(15).map(\.distance))
                #expect(Set(found.map(\.id)).isSubset(of: Set(expected.prefix(20).map(\.id))))
                #expect(found.allSatisfy { index.contains($0.id) && (filter?($0.id) ?? true) })
            }
        }
    }

    @Test func emptyIndexesAndBadArguments() throws {
        let index = try HNSWIndex(HNSWConfiguration(dimension: 3, metric: .cosine))
        #expect(try index.exactSearch([1, 0, 0], k: 5).isEmpty)
        _ = try index.add([1, 0, 0])
        #expect(throws: IndexError.self) { try index.exactSearch([1, 0], k: 5) }
        #expect(throws: IndexError.self) { try index.exactSearch([1, 0, 0], k: 0) }
        #expect(throws: IndexError.self) { try index.exactSearch([.nan, 0, 0], k: 1) }
        #expect(try index.exactSearch([1, 0, 0], k: 5).map(\.id) == [0])
    }
}
