public import QuiverKernels
internal import QuiverIndex

/// A generated data set: train rows, held-out queries and their exact neighbours.
public struct ClusteredDataset: Sendable {
    /// Dimensions per vector.
    public let dimension: Int
    /// Row-major train vectors.
    public let train: [Float]
    /// Row-major query vectors.
    public let queries: [Float]
    /// The metric the ground truth was computed with.
    public let metric: Metric

    /// Number of train rows.
    public var count: Int { train.count / dimension }
    /// Number of queries.
    public var queryCount: Int { queries.count / dimension }

    /// Generates `count` train and `queryCount` query vectors around `clusters` gaussian centres.
    ///
    /// The spread is wide enough that clusters overlap a little, as real embeddings do.
    public init(
        count: Int, queryCount: Int, dimension: Int, clusters: Int = 32, metric: Metric = .l2, seed: UInt64 = 1
    ) {
        var rng = SeededGenerator(seed: seed)
        var centres = [Float](repeating: 0, count: clusters * dimension)
        for i in centres.indices { centres[i] = rng.nextGaussian() * 2 }
        func sample(_ n: Int) -> [Float] {
            var out = [Float](repeating: 0, count: n * dimension)
            for row in 0..<n {
                let c = Int.random(in: 0..<clusters, using: &rng)
                for j in 0..<dimension {
                    out[row * dimension + j] = centres[c * dimension + j] + rng.nextGaussian()
                }
            }
            return out
        }
        self.dimension = dimension
        self.metric = metric
        self.train = sample(count)
        self.queries = sample(queryCount)
    }

    /// The query row `i`.
    public func query(_ i: Int) -> ArraySlice<Float> { queries[i * dimension..<(i + 1) * dimension] }

    /// Exact top-`k` ids of every query among the train rows that `include` accepts.
    public func groundTruth(k: Int, include: (UInt32) -> Bool = { _ in true }) -> [[UInt32]] {
        let flat = try! FlatIndex(dimension: dimension, metric: metric)
        _ = train.withUnsafeBufferPointer { try! flat.add(contentsOf: $0) }
        return (0..<queryCount).map { q in
            Array(query(q)).withUnsafeBufferPointer { buffer in
                try! flat.search(buffer, k: k, filter: include).map(\.id)
            }
        }
    }
}

/// Mean fraction of each true top-k found in the results.
public func recall(found: [[UInt32]], truth: [[UInt32]], k: Int) -> Double {
    precondition(found.count == truth.count)
    var hits = 0
    var total = 0
    for (f, t) in zip(found, truth) {
        let expected = Set(t.prefix(k))
        hits += f.prefix(k).filter(expected.contains).count
        total += min(k, t.count)
    }
    return total == 0 ? 1 : Double(hits) / Double(total)
}
