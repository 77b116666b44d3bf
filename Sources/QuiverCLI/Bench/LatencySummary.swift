/// Percentiles of a set of latencies, computed as NumPy's default `np.percentile` does (linear
/// interpolation between the closest ranks), so they match peers.py's.
package struct LatencySummary: Sendable {
    private let sorted: [Double]

    /// Summarises `samples` (any order).
    package init(_ samples: [Double]) {
        sorted = samples.sorted()
    }

    /// The sum of the samples.
    package var total: Double { sorted.reduce(0, +) }

    /// The `p`th percentile, `p` in 0...100; 0 for no samples.
    package func percentile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let position = Double(sorted.count - 1) * min(max(p, 0), 100) / 100
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }
}
