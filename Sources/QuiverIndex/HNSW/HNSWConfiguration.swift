public import QuiverKernels

/// The parameters of an HNSW index, fixed when it is created.
public struct HNSWConfiguration: Sendable, Hashable {
    // MARK: Shape

    /// Dimensions per vector, 1...65536. No default: it is the embedding model's output size.
    public var dimension: Int

    /// The distance. No default: use the metric the embedding model was trained for (usually
    /// cosine for text embeddings).
    public var metric: Metric

    // MARK: Graph

    /// Neighbours kept per node on upper layers (twice as many on the bottom layer). Default 16.
    /// Raise to 32-48 for high-dimensional data that needs recall above 0.99; memory grows by
    /// 8 bytes per node per unit.
    public var m: Int = 16

    /// Candidate-list size while inserting. Default 200. Larger builds a better graph (higher
    /// recall at the same search `ef`) at a proportionally slower build.
    public var efConstruction: Int = 200

    /// Seed of the level generator. Default 0x5EED. With the same seed, vectors and a single
    /// build thread, the graph is identical on every run.
    public var seed: UInt64 = 0x5EED

    // MARK: Storage

    /// How vectors are stored for search. Default `.f32`. `.i8` takes about a quarter of the
    /// memory; `.binary` a thirty-second, and needs ``rerank``.
    public var encoding: VectorEncoding = .f32

    /// Whether f32 originals are kept to re-rank the candidates of a quantised search exactly.
    /// Default `true` for quantised encodings (ignored for `.f32`). The originals are read only for
    /// the final candidates, so a storage layer can keep them on disk.
    public var rerank: Bool = true

    /// Fraction of deleted-but-linked vectors at which a delete triggers ``HNSWIndex/purgeDeleted()``.
    /// Default 0.1. Lower keeps search faster under heavy deletes at the price of more repair work.
    public var purgeRatio: Double = 0.1

    /// Creates a configuration with default graph and storage parameters.
    public init(dimension: Int, metric: Metric) {
        self.dimension = dimension
        self.metric = metric
    }

    /// Whether f32 originals are stored beside the search encoding.
    var keepsOriginals: Bool { encoding != .f32 && rerank }

    /// Throws unless every parameter is in range.
    package func validate() throws(IndexError) {
        guard (1...65536).contains(dimension) else {
            throw .invalidArgument("dimension must be in 1...65536, got \(dimension)")
        }
        // i8 kernels accumulate in 32-bit integers: 32768 × 254² is the largest sum that fits.
        guard encoding != .i8 || dimension <= 32768 else {
            throw .invalidArgument("i8 encoding supports dimensions up to 32768, got \(dimension)")
        }
        guard (2...128).contains(m) else { throw .invalidArgument("m must be in 2...128, got \(m)") }
        guard (1...100_000).contains(efConstruction) else {
            throw .invalidArgument("efConstruction must be in 1...100000, got \(efConstruction)")
        }
        guard purgeRatio > 0, purgeRatio <= 1 else {
            throw .invalidArgument("purgeRatio must be in (0, 1], got \(purgeRatio)")
        }
    }
}

/// Memory an index holds, by part.
public struct IndexMemoryUsage: Sendable, Hashable {
    /// Encoded vectors searched by the graph.
    public var vectorBytes: Int
    /// Neighbour lists and per-node records.
    public var graphBytes: Int
    /// f32 originals kept for re-ranking (zero for `.f32` indexes or without re-ranking).
    public var originalVectorBytes: Int
    /// Everything above.
    public var totalBytes: Int { vectorBytes + graphBytes + originalVectorBytes }
}
