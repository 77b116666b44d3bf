import QuiverKernels
import QuiverTestSupport
import Testing

@testable import QuiverIndex

@Suite struct HNSWIndexDistanceTests {
    private func build(_ shape: IndexShape) throws -> (HNSWIndex, ClusteredDataset) {
        let data = ClusteredDataset(
            count: 1500, queryCount: 20, dimension: shape.dimension, clusters: 10, metric: shape.metric, seed: 8)
        var configuration = HNSWConfiguration(dimension: shape.dimension, metric: shape.metric)
        configuration.m = 8
        configuration.efConstruction = 60
        configuration.encoding = shape.encoding
        configuration.rerank = shape.rerank
        configuration.purgeRatio = 1
        let index = try HNSWIndex(configuration)
        _ = try data.train.withUnsafeBufferPointer { try index.add(contentsOf: $0, threads: 1) }
        return (index, data)
    }

    /// Both distances are the ones searches report, to the last bit: from a query to each result,
    /// and from a stored vector (searched for with its own row) to each of its results.
    @Test(arguments: IndexShape.all)
    func distancesAreTheOnesSearchesReport(shape: IndexShape) throws {
        let (index, data) = try build(shape)
        for q in 0..<data.queryCount {
            let query = Array(data.query(q))
            for result in try index.search(query, k: 10, ef: 40) {
                #expect(try index.distance(from: query, to: result.id) == result.distance)
            }
        }
        for a in stride(from: UInt32(0), to: 1500, by: 97) {
            let row = Array(data.train[Int(a) * shape.dimension..<(Int(a) + 1) * shape.dimension])
            for result in try index.search(row, k: 10, ef: 40) {
                #expect(index.distance(between: a, and: result.id) == result.distance)
                let reverse = try #require(index.distance(between: result.id, and: a))
                #expect(abs(reverse - result.distance) <= 1e-4 * max(1, abs(result.distance)))
            }
        }
    }

    /// With f32 vectors or originals the distances are the metric's exact ones.
    @Test(arguments: [Metric.l2, .cosine, .innerProduct], [VectorEncoding.f32, .i8])
    func distancesFollowTheMetric(metric: Metric, encoding: VectorEncoding) throws {
        let (index, data) = try build(IndexShape(metric: metric, encoding: encoding))
        let d = data.dimension
        func row(_ i: Int) -> [Float] {
            let v = Array(data.train[i * d..<(i + 1) * d])
            guard metric == .cosine else { return v }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
        func expected(_ a: [Float], _ b: [Float]) -> Float {
            switch metric {
            case .l2: zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            case .cosine: 1 - zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            case .innerProduct: -zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            }
        }
        for (a, b) in [(0, 1), (5, 900), (1499, 3), (77, 77)] {
            let want = expected(row(a), row(b))
            let got = try #require(index.distance(between: UInt32(a), and: UInt32(b)))
            #expect(abs(got - want) <= 1e-4 * max(1, abs(want)), "\(a)-\(b): \(got) vs \(want)")
            let query = Array(data.query(a % data.queryCount))
            let fromQuery = try #require(try index.distance(from: query, to: UInt32(b)))
            let prepared = metric == .cosine ? query.map { $0 / query.reduce(0) { $0 + $1 * $1 }.squareRoot() } : query
            #expect(abs(fromQuery - expected(prepared, row(b))) <= 1e-4 * max(1, abs(fromQuery)))
        }
        if metric == .l2 { #expect(index.distance(between: 77, and: 77) == 0) }
    }

    @Test func idsThatAreNotLiveHaveNoDistance() throws {
        let (index, data) = try build(IndexShape(metric: .l2, encoding: .f32))
        let query = Array(data.query(0))
        try index.remove(10)
        #expect(index.distance(between: 10, and: 11) == nil && index.distance(between: 11, and: 10) == nil)
        #expect(try index.distance(from: query, to: 10) == nil)
        index.purgeDeleted()
        #expect(index.distance(between: 10, and: 11) == nil)
        #expect(index.distance(between: 11, and: 1500) == nil && index.distance(between: .max, and: 0) == nil)
        #expect(try index.distance(from: query, to: 1500) == nil)
        #expect(index.distance(between: 11, and: 12) != nil)
        #expect(throws: IndexError.self) { try index.distance(from: [1, 2], to: 11) }
        var bad = query
        bad[3] = .nan
        #expect(throws: IndexError.self) { try index.distance(from: bad, to: 11) }
    }
}
