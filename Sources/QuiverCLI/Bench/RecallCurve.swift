/// The recall-throughput curve of one run, traversed in increasing `ef`.
package struct RecallCurve: Sendable, Equatable {
    /// `(recall, qps)` points in the order of increasing `ef`.
    package var points: [(recall: Double, qps: Double)]

    /// The curve of a report's single-thread throughput.
    package init(_ report: BenchReport) {
        points = report.search.sorted { $0.ef < $1.ef }.map { ($0.recall, $0.qps1Thread) }
    }

    /// A curve through `points`, in order.
    package init(points: [(recall: Double, qps: Double)]) {
        self.points = points
    }

    /// The throughput at `recall`, linearly interpolated between the two points whose recalls
    /// bracket it (the first such segment along increasing `ef`); `nil` when the curve never
    /// reaches `recall` or starts above it, since extrapolating would invent a measurement.
    ///
    /// - Complexity: O(points).
    package func qps(atRecall target: Double) -> Double? {
        for (i, point) in points.enumerated() {
            if point.recall == target { return point.qps }
            guard i > 0 else { continue }
            let previous = points[i - 1]
            if previous.recall < target, point.recall > target {
                let t = (target - previous.recall) / (point.recall - previous.recall)
                return previous.qps + t * (point.qps - previous.qps)
            }
        }
        return nil
    }

    package static func == (lhs: RecallCurve, rhs: RecallCurve) -> Bool {
        lhs.points.count == rhs.points.count && zip(lhs.points, rhs.points).allSatisfy { $0 == $1 }
    }
}
