internal import Foundation

/// quiver's run beside peers' runs (peers.py output): build time, recall and single-thread
/// throughput per `ef`, and throughput at a fixed recall, each with a quiver/peer ratio.
package struct PeerComparison: Sendable {
    /// The recall at which curves are compared by interpolation.
    package static let targetRecall = 0.95

    /// quiver's run.
    package var quiver: BenchReport
    /// The runs compared with it.
    package var peers: [BenchReport]

    /// Compares `quiver` with `peers`.
    package init(quiver: BenchReport, peers: [BenchReport]) {
        self.quiver = quiver
        self.peers = peers
    }

    /// `numerator / denominator`, or `nil` when the denominator is not positive.
    package static func ratio(_ numerator: Double, _ denominator: Double) -> Double? {
        guard denominator > 0, numerator.isFinite, denominator.isFinite else { return nil }
        return numerator / denominator
    }

    /// quiver's build time over each peer's (below 1: quiver builds faster), by peer.
    package var buildRatios: [Double?] { peers.map { Self.ratio(quiver.buildSeconds, $0.buildSeconds) } }

    /// quiver's single-thread throughput over the peer's at the same `ef` (above 1: quiver is
    /// faster), or `nil` when either lacks that `ef`.
    package func qpsRatio(peer: BenchReport, ef: Int) -> Double? {
        guard let ours = quiver.search.first(where: { $0.ef == ef }),
            let theirs = peer.search.first(where: { $0.ef == ef })
        else { return nil }
        return Self.ratio(ours.qps1Thread, theirs.qps1Thread)
    }

    /// Single-thread throughput of each run at ``targetRecall`` (quiver first), interpolated on its
    /// recall-throughput curve.
    package var qpsAtTargetRecall: [Double?] {
        ([quiver] + peers).map { RecallCurve($0).qps(atRecall: Self.targetRecall) }
    }

    /// Lines that flag runs that are not like for like (another dataset, size, `k` or thread count).
    package var notes: [String] {
        var notes: [String] = []
        let ourK = quiver.search.first?.k
        for peer in peers {
            var differences: [String] = []
            if peer.dataset != quiver.dataset { differences.append("dataset \(peer.dataset)") }
            if peer.n != quiver.n { differences.append("n=\(peer.n)") }
            if peer.dim != quiver.dim { differences.append("dim=\(peer.dim)") }
            if peer.metric != quiver.metric { differences.append("metric \(peer.metric)") }
            if peer.threads != quiver.threads { differences.append("threads=\(peer.threads)") }
            if let k = peer.search.first?.k, k != ourK { differences.append("k=\(k)") }
            if peer.params.m != quiver.params.m || peer.params.efConstruction != quiver.params.efConstruction {
                differences.append("m=\(peer.params.m) ef_construction=\(peer.params.efConstruction)")
            }
            if !differences.isEmpty {
                notes.append("note: \(peer.system) ran with \(differences.joined(separator: ", ")), unlike quiver")
            }
        }
        return notes
    }

    /// The comparison as text tables.
    package func rendered() -> String {
        var sections: [String] = []

        var build = TextTable(header: ["system", "version", "n", "build s", "vectors/s", "quiver/peer"], leftAligned: [0, 1])
        func buildRow(_ report: BenchReport, _ ratio: String) -> [String] {
            [
                report.system, report.version, "\(report.n)", Self.fixed(report.buildSeconds, 3),
                Self.fixed(report.buildVectorsPerSecond, 1), ratio,
            ]
        }
        build.append(buildRow(quiver, "-"))
        for (peer, ratio) in zip(peers, buildRatios) { build.append(buildRow(peer, Self.ratioText(ratio))) }
        sections.append("Build time (quiver/peer: below 1 means quiver builds faster)\n" + build.rendered())

        let efs = Set(([quiver] + peers).flatMap { $0.search.map(\.ef) }).sorted()
        var header = ["ef", "quiver recall", "quiver qps1"]
        for peer in peers { header += ["\(peer.system) recall", "\(peer.system) qps1", "quiver/\(peer.system)"] }
        var search = TextTable(header: header)
        for ef in efs {
            let ours = quiver.search.first { $0.ef == ef }
            var row = ["\(ef)", ours.map { Self.fixed($0.recall, 4) } ?? "-", ours.map { Self.fixed($0.qps1Thread, 1) } ?? "-"]
            for peer in peers {
                let theirs = peer.search.first { $0.ef == ef }
                row += [
                    theirs.map { Self.fixed($0.recall, 4) } ?? "-", theirs.map { Self.fixed($0.qps1Thread, 1) } ?? "-",
                    Self.ratioText(qpsRatio(peer: peer, ef: ef)),
                ]
            }
            search.append(row)
        }
        let k = quiver.search.first.map { "k=\($0.k), " } ?? ""
        sections.append(
            "Search, \(k)one thread (quiver/peer queries per second: above 1 means quiver is faster)\n" + search.rendered())

        let atRecall = qpsAtTargetRecall
        var interpolated = TextTable(header: ["system", "qps1 @ recall \(Self.targetRecall)", "quiver/peer"])
        interpolated.append([quiver.system, atRecall[0].map { Self.fixed($0, 1) } ?? "not reached", "-"])
        for (i, peer) in peers.enumerated() {
            let ratio = atRecall[0].flatMap { ours in atRecall[i + 1].flatMap { Self.ratio(ours, $0) } }
            interpolated.append([peer.system, atRecall[i + 1].map { Self.fixed($0, 1) } ?? "not reached", Self.ratioText(ratio)])
        }
        sections.append(
            "Single-thread queries per second at recall \(Self.targetRecall), interpolated on each recall-QPS curve\n"
                + interpolated.rendered())

        let notes = self.notes
        if !notes.isEmpty { sections.append(notes.joined(separator: "\n")) }
        return sections.joined(separator: "\n\n")
    }

    package static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    package static func ratioText(_ ratio: Double?) -> String { ratio.map { String(format: "%.2f", $0) } ?? "-" }
}
