internal import ArgumentParser
package import QuiverKernels

/// The `--metric` values.
package enum MetricOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Cosine distance (ann-benchmarks `angular`).
    case cosine
    /// Squared Euclidean distance (ann-benchmarks `euclidean`).
    case l2
    /// Negated inner product.
    case ip

    /// The index metric.
    package var metric: Metric {
        switch self {
        case .cosine: .cosine
        case .l2: .l2
        case .ip: .innerProduct
        }
    }

    /// Also accepts the ann-benchmarks names (`angular`, `euclidean`) and `dot`.
    package init?(argument: String) {
        switch Metric(name: argument) {
        case .cosine?: self = .cosine
        case .l2?: self = .l2
        case .innerProduct?: self = .ip
        case nil: return nil
        }
    }
}
