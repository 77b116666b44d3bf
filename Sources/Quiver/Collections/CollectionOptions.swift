public import QuiverKernels

/// The shape and index parameters of a vector collection, fixed when it is created.
public struct CollectionOptions: Sendable, Hashable {
    /// Components per vector, 1...65536.
    public var dimension: Int
    /// How distance is measured. Cosine collections keep each vector's length, so reads return
    /// the vector as written.
    public var metric: Metric
    /// How vectors are stored and searched: `.f32` (default), `.f16`, `.i8` (int8 with a scale
    /// per vector) or `.binary` (one bit per component). The quantized encodings keep the f32
    /// vectors too (in the segment files) and re-rank the final candidates with them.
    public var encoding: VectorEncoding = .f32
    /// Graph degree: neighbours per node (2 × m on the bottom layer). Default 16; more is more
    /// accurate, larger and slower to build.
    public var m = 16
    /// Candidates considered per insert. Default 200.
    public var efConstruction = 200

    /// Options for `dimension`-component vectors under `metric`.
    public init(dimension: Int, metric: Metric, encoding: VectorEncoding = .f32, m: Int = 16, efConstruction: Int = 200) {
        self.dimension = dimension
        self.metric = metric
        self.encoding = encoding
        self.m = m
        self.efConstruction = efConstruction
    }
}
