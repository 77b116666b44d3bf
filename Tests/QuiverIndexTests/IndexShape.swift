import QuiverKernels
import Testing

/// A metric and encoding an index test runs over.
struct IndexShape: Sendable, CustomTestStringConvertible {
    var metric: Metric
    var encoding: VectorEncoding
    var rerank = true
    var dimension = 16

    var testDescription: String { "\(metric) \(encoding)\(encoding != .f32 && !rerank ? " without originals" : "")" }

    /// Every metric with f32, and each quantised encoding with and without originals.
    static let all: [IndexShape] = [
        IndexShape(metric: .l2, encoding: .f32),
        IndexShape(metric: .cosine, encoding: .f32),
        IndexShape(metric: .innerProduct, encoding: .f32),
        IndexShape(metric: .l2, encoding: .f16),
        IndexShape(metric: .cosine, encoding: .i8),
        IndexShape(metric: .innerProduct, encoding: .i8, rerank: false),
        IndexShape(metric: .cosine, encoding: .binary, dimension: 64),
        IndexShape(metric: .l2, encoding: .binary, rerank: false, dimension: 64),
    ]
}
