import Testing
import QuiverCLI

@Suite struct LatencySummaryTests {
    /// Values checked against `np.percentile` (linear interpolation).
    @Test func matchesNumPyPercentiles() {
        let summary = LatencySummary([5, 1, 4, 2, 3, 10, 7, 6, 9, 8])
        #expect(summary.percentile(50) == 5.5)
        #expect(abs(summary.percentile(99) - 9.91) < 1e-12)
        #expect(summary.percentile(0) == 1)
        #expect(summary.percentile(100) == 10)
        #expect(summary.total == 55)
    }

    @Test func smallInputs() {
        #expect(LatencySummary([]).percentile(50) == 0)
        #expect(LatencySummary([3]).percentile(99) == 3)
        #expect(LatencySummary([1, 2]).percentile(50) == 1.5)
    }
}
