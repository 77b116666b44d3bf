import Testing
import QuiverCLI

@Suite struct PeerComparisonTests {
    let comparison = PeerComparison(quiver: SampleReports.quiver, peers: [SampleReports.hnswlib])

    @Test func ratiosAreQuiverOverPeer() throws {
        #expect(comparison.buildRatios == [2.0])
        #expect(comparison.qpsRatio(peer: SampleReports.hnswlib, ef: 20) == 30000.0 / 28000.0)
        #expect(comparison.qpsRatio(peer: SampleReports.hnswlib, ef: 999) == nil)
        #expect(PeerComparison.ratio(1, 0) == nil)
    }

    @Test func interpolatedThroughputAtTargetRecall() throws {
        let values = comparison.qpsAtTargetRecall
        #expect(values.count == 2)
        let ours = try #require(values[0])
        let theirs = try #require(values[1])
        #expect(abs(ours - (40000 - 10000 * 5.0 / 7.0)) < 1e-6)
        // hnswlib: 0.92 -> 0.972 spans 42000 -> 28000.
        #expect(abs(theirs - (42000 - 14000 * 0.03 / 0.052)) < 1e-6)
    }

    @Test func renderedTablesShowEverySystemAndRatio() {
        let text = comparison.rendered()
        #expect(text.contains("hnswlib recall"))
        #expect(text.contains("quiver/hnswlib"))
        #expect(text.contains("2.00"))  // build ratio
        #expect(text.contains(PeerComparison.ratioText(30000.0 / 28000.0)))
        #expect(text.contains("qps1 @ recall 0.95"))
        #expect(!text.contains("note:"))
        #expect(!text.split(separator: "\n").contains { $0.hasSuffix(" ") })
    }

    @Test func notesFlagRunsThatAreNotLikeForLike() {
        var other = SampleReports.hnswlib
        other.n = 30055
        other.threads = 1
        let notes = PeerComparison(quiver: SampleReports.quiver, peers: [other]).notes
        #expect(notes == ["note: hnswlib ran with n=30055, threads=1, unlike quiver"])
    }

    @Test func missingEFsAndUnreachedRecallShowDashes() {
        var peer = SampleReports.hnswlib
        peer.system = "faiss"
        peer.search = [SampleReports.point(ef: 80, recall: 0.5, qps: 100)]
        let text = PeerComparison(quiver: SampleReports.quiver, peers: [peer]).rendered()
        #expect(text.contains("not reached"))
        #expect(text.contains("80"))
    }
}
