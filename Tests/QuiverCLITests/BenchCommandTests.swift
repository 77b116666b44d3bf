import Foundation
import Testing
import QuiverCLI

/// Runs the built `quiver` binary: exit codes, one-line errors, and small end-to-end runs.
@Suite(.enabled(if: QuiverProcess.executable != nil, "the quiver executable is not built next to the tests"))
struct BenchCommandTests {
    /// Runs `quiver bench arguments` and checks that it failed with `status` and exactly one
    /// `quiver: error:` line on standard error containing `fragment`.
    private func expectFailure(
        _ arguments: [String], status: Int32, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let result = try QuiverProcess.run(["bench"] + arguments)
        #expect(result.status == status, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderrLines.count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("quiver: error: "), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(fragment), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func usageErrorsExit64() throws {
        try expectFailure(["--bogus"], status: 64, containing: "Unknown option '--bogus' (see 'quiver bench --help')")
        try expectFailure(["--k", "0"], status: 64, containing: "--k must be in 1...10000")
        try expectFailure(["--k", "ten"], status: 64, containing: "'ten' is invalid")
        try expectFailure(["--ef", "10,x"], status: 64, containing: "'10,x' is invalid")
        try expectFailure(["--ef", ""], status: 64, containing: "is invalid")
        try expectFailure(["--metric", "hamming"], status: 64, containing: "'hamming' is invalid")
        try expectFailure(["--quantization", "pq"], status: 64, containing: "'pq' is invalid")
        try expectFailure(["--threads", "0"], status: 64, containing: "--threads must be in 1...1024")
        try expectFailure(["--m", "1"], status: 64, containing: "--m must be in 2...128")
        try expectFailure(["--limit", "-5"], status: 64, containing: "--limit")
        try expectFailure(["--ground-truth", "t.ivecs"], status: 64, containing: "--ground-truth needs --dataset")
        try expectFailure(["--limit", "\(Int.max)"], status: 71, containing: "would not fit")
        try expectFailure(["--delete", "1.5"], status: 64, containing: "--delete must be a fraction in (0, 1)")
        try expectFailure(["--delete", "0.3", "--delete-pattern", "all"], status: 64, containing: "'all' is invalid")
        let unknown = try QuiverProcess.run(["frobnicate"])
        #expect(unknown.status == 64 && unknown.stderrLines.count == 1 && unknown.stderr.hasPrefix("quiver: error: "))
    }

    @Test func inputErrorsHaveDocumentedCodes() throws {
        let directory = try TemporaryDirectory()
        let truncated = try directory.write("cut.fvecs", Array(DatasetBytes.fvecs(DatasetBytes.rows(4, dimension: 3)).dropLast(3)))
        let nan = try directory.write("nan.fbin", DatasetBytes.fbin([[1, 2], [.nan, 3]]))
        let fortran = try directory.write(
            "f.npy", DatasetBytes.npy(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", data: DatasetBytes.float(1)))
        let base = try directory.write("base.fvecs", DatasetBytes.fvecs(DatasetBytes.rows(20, dimension: 3)))
        let narrow = try directory.write("narrow.fvecs", DatasetBytes.fvecs(DatasetBytes.rows(2, dimension: 2)))
        let text = try directory.write("data.csv", text: "1,2,3\n")
        let badJSON = try directory.write("peers.json", text: "[{\"system\": \"hnswlib\"}]")

        try expectFailure(["--dataset", directory.path("none.hdf5")], status: 66, containing: "none.hdf5: no such file")
        try expectFailure(["--dataset", text], status: 65, containing: "unknown dataset extension '.csv'")
        try expectFailure(["--dataset", truncated], status: 65, containing: "cut.fvecs: truncated")
        try expectFailure(["--dataset", nan], status: 65, containing: "nan.fbin: row 1 has a non-finite value")
        try expectFailure(["--dataset", fortran], status: 65, containing: "fortran_order")
        try expectFailure(["--dataset", base, "--queries-file", narrow], status: 65, containing: "queries have dimension 2")
        try expectFailure(["--dataset", Fixtures.path("bad-test-dimension.hdf5")], status: 65, containing: "test has dimension 4")
        try expectFailure(["--dataset", Fixtures.path("bad-neighbor-rows.hdf5")], status: 65, containing: "neighbors has 5 rows")
        try expectFailure(["--dataset", Fixtures.path("bad-nan.hdf5")], status: 65, containing: "non-finite")
        try expectFailure(["--dataset", Fixtures.path("tiny-euclidean.hdf5"), "--k", "11"], status: 64, containing: "exceeds the 10 neighbours")
        try expectFailure(["--compare", badJSON], status: 65, containing: "peers.json: not a bench result array: missing field")
        try expectFailure(["--compare", directory.path("nothing.json")], status: 66, containing: "no such file")
        try expectFailure(["--json", directory.path("no/such/dir/out.json")], status: 74, containing: "does not exist")
    }

    @Test(arguments: ["random", "clusters"])
    func deleteMeasuresAgainAfterPurgingBesideAFreshBuild(pattern: String) throws {
        let directory = try TemporaryDirectory()
        let out = directory.path("quiver.json")
        let result = try QuiverProcess.run([
            "bench", "--limit", "1500", "--queries", "50", "--ef", "10,40", "--threads", "2", "--m", "8",
            "--ef-construction", "40", "--delete", "0.3", "--delete-pattern", pattern, "--json", out,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("after deleting 450 vectors (30%, \(pattern))"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as! [[String: Any]]
        let deletion = try #require(json.first?["after_delete"] as? [String: Any])
        #expect(deletion["deleted"] as? Int == 450)
        #expect(deletion["pattern"] as? String == pattern)
        for key in ["search", "fresh_build"] {
            let points = try #require(deletion[key] as? [[String: Any]])
            #expect(points.map { $0["ef"] as? Int } == [10, 40])
            #expect(points.allSatisfy { ($0["recall"] as? Double ?? 0) > 0.5 })
        }
    }

    @Test func persistStoresReopensAndReportsTheDirectory() throws {
        let directory = try TemporaryDirectory()
        let out = directory.path("quiver.json")
        let database = directory.path("db")
        let arguments = [
            "bench", "--limit", "800", "--queries", "30", "--ef", "10,40", "--threads", "2", "--m", "8",
            "--ef-construction", "40", "--persist", database, "--json", out,
        ]
        let result = try QuiverProcess.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("persisted: "))
        #expect(result.stdout.contains("same top-10 after reopen: 100%"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as! [[String: Any]]
        let report = try #require(json.first)
        let openSeconds = try #require(report["open_seconds"] as? Double)
        #expect(openSeconds > 0 && openSeconds < 5)
        #expect((report["index_file_bytes"] as? Int ?? 0) > 800 * 128 * 4)
        #expect(report["persist_agreement"] as? Double == 1)
        // A second run refuses to write into the now non-empty directory.
        let again = try QuiverProcess.run(arguments)
        #expect(again.status == 64 && again.stderr.contains("is not empty"), "\(again.stderr)")
    }

    @Test func syntheticDimensionShapesTheGeneratedSet() throws {
        let result = try QuiverProcess.run([
            "bench", "--limit", "300", "--synthetic-dimension", "16", "--queries", "10", "--ef", "10", "--threads", "2",
            "--m", "8", "--ef-construction", "20",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("synthetic-clustered  n=300 dim=16 euclidean"), "\(result.stdout)")
        try expectFailure(["--synthetic-dimension", "0"], status: 64, containing: "--synthetic-dimension must be in 1...65536")
        try expectFailure(
            ["--dataset", "x.fvecs", "--synthetic-dimension", "8"], status: 64,
            containing: "--synthetic-dimension applies only without --dataset")
    }

    @Test func helpGoesToStandardOutput() throws {
        let result = try QuiverProcess.run(["bench", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: quiver bench"))
        #expect(result.stdout.contains("--ef-construction"))
        #expect(result.stderr.isEmpty)
        let root = try QuiverProcess.run(["--help"])
        #expect(root.status == 0 && root.stdout.contains("EXIT STATUS"))
    }

    @Test func benchOnAnHDF5FileWritesTheSchemaAndComparesWithPeers() throws {
        let directory = try TemporaryDirectory()
        let peers = try directory.write("peers.json", text: SampleReports.peersJSON)
        let out = directory.path("quiver.json")
        let result = try QuiverProcess.run([
            "bench", "--dataset", Fixtures.path("tiny-euclidean.hdf5"), "--ef", "10,20,40", "--threads", "2",
            "--m", "8", "--ef-construction", "40", "--quantization", "i8", "--json", out, "--compare", peers,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "no progress output when stderr is not a terminal")
        #expect(result.stdout.contains("tiny-euclidean.hdf5  n=64 dim=8 euclidean  m=8 ef_construction=40 i8  threads=2"))
        #expect(result.stdout.contains("hnswlib recall"))
        #expect(result.stdout.contains("note: hnswlib ran with dataset wiki.hdf5"))
        let reports = try BenchReport.read(path: out)
        #expect(reports.count == 1)
        let report = try #require(reports.first)
        #expect(report.system == "quiver" && report.dataset == "tiny-euclidean.hdf5" && report.metric == "euclidean")
        #expect(report.n == 64 && report.dim == 8 && report.threads == 2)
        #expect(report.params == .init(m: 8, efConstruction: 40, quantization: "i8"))
        #expect(report.search.map(\.ef) == [10, 20, 40])
        #expect(report.search.allSatisfy { $0.k == 10 && $0.qps1Thread > 0 && $0.qpsAllThreads > 0 && $0.p99Microseconds >= $0.p50Microseconds })
        // 64 vectors with ef >= 40 visit nearly everything: recall is (close to) exact.
        #expect(report.search.last!.recall >= 0.95)
        #expect(report.buildSeconds > 0 && report.peakRSSBytes > 0)
        #expect(report.bytesPerVector != nil && report.simdLevel != nil)
    }

    @Test func benchOnTheSyntheticSetRuns() throws {
        let result = try QuiverProcess.run(["bench", "--limit", "300", "--queries", "20", "--ef", "10,40", "--k", "5", "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("synthetic-clustered  n=300 dim=128 euclidean"))
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("10  5  ") } && lines.contains { $0.hasPrefix("40  5  ") })
    }

    @Test func inProcessExecutionReturnsTheStatus() async {
        #expect(await QuiverCommand.execute(arguments: ["bench", "--k", "0"]) == 64)
    }
}
