import Testing
import QuiverCLI

@Suite struct RecallCurveTests {
    @Test func interpolatesLinearlyBetweenBracketingPoints() throws {
        let curve = RecallCurve(points: [(0.90, 40000), (0.97, 30000), (0.995, 15000)])
        // 0.95 is 5/7 of the way from 0.90 to 0.97.
        let qps = try #require(curve.qps(atRecall: 0.95))
        #expect(abs(qps - (40000 - 10000 * 5.0 / 7.0)) < 1e-6)
        #expect(curve.qps(atRecall: 0.97) == 30000)
        let upper = try #require(curve.qps(atRecall: 0.99))
        #expect(abs(upper - (30000 - 15000 * 0.02 / 0.025)) < 1e-6)
    }

    @Test func outOfRangeIsNil() {
        let curve = RecallCurve(points: [(0.96, 40000), (0.99, 20000)])
        #expect(curve.qps(atRecall: 0.95) == nil)
        #expect(curve.qps(atRecall: 0.999) == nil)
        #expect(RecallCurve(points: []).qps(atRecall: 0.95) == nil)
        #expect(RecallCurve(points: [(0.95, 1000)]).qps(atRecall: 0.95) == 1000)
    }

    @Test func usesTheFirstCrossingAlongEF() throws {
        // A dip after crossing (noise) does not move the answer: 0.95 is halfway from 0.90 to 1.0.
        let curve = RecallCurve(points: [(0.90, 1000), (1.0, 500), (0.94, 400), (0.96, 300)])
        let qps = try #require(curve.qps(atRecall: 0.95))
        #expect(abs(qps - 750) < 1e-9)
    }

    @Test func reportCurveIsSortedByEF() {
        var report = SampleReports.quiver
        report.search.reverse()
        #expect(RecallCurve(report) == RecallCurve(SampleReports.quiver))
    }
}
