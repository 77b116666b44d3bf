/// How the distance between two vectors is measured; smaller is always closer.
public enum Metric: String, Sendable, CaseIterable, Codable {
    /// Squared Euclidean distance.
    case l2
    /// Negated inner product (`-a·b`), so that larger products rank first.
    case innerProduct = "ip"
    /// Cosine distance `1 - cos(a, b)`; vectors are normalised when stored.
    case cosine

    /// The ann-benchmarks name of this metric (`euclidean`, `ip`, `angular`).
    public var annBenchmarksName: String {
        switch self {
        case .l2: "euclidean"
        case .innerProduct: "ip"
        case .cosine: "angular"
        }
    }

    /// Parses ann-benchmarks and common names: `euclidean`/`l2`, `angular`/`cosine`, `ip`/`dot`.
    public init?(name: String) {
        switch name.lowercased() {
        case "l2", "euclidean", "l2sq": self = .l2
        case "ip", "dot", "innerproduct", "inner_product": self = .innerProduct
        case "cosine", "angular", "cos": self = .cosine
        default: return nil
        }
    }
}
