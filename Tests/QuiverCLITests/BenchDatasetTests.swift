import ArgumentParser
import Testing
import QuiverCLI
import QuiverKernels

@Suite struct BenchDatasetTests {
    private func options(_ arguments: [String]) throws -> DatasetOptions {
        try DatasetOptions.parse(arguments)
    }

    @Test func syntheticSetHasExactGroundTruth() throws {
        let data = try BenchDataset.load(options(["--limit", "300", "--queries", "7"]), k: 5, threads: 2)
        #expect(data.name == SyntheticDataset.name)
        #expect(data.metric == .l2)
        #expect(data.train.rows == 300 && data.train.columns == SyntheticDataset.dimension)
        #expect(data.queries.rows == 7 && data.neighbors.rows == 7 && data.neighbors.columns == 5)
        // The first neighbour is the closest train row by brute force.
        for q in 0..<data.queries.rows {
            let query = Array(data.queries.row(q))
            let distances = (0..<data.train.rows).map { r in zip(query, data.train.row(r)).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            let best = distances.indices.min { distances[$0] < distances[$1] }!
            #expect(distances[Int(data.neighbors.row(q).first!)] == distances[best])
        }
    }

    @Test func syntheticSetIsDeterministic() {
        let a = SyntheticDataset.generate(count: 50, queryCount: 5)
        let b = SyntheticDataset.generate(count: 50, queryCount: 5)
        #expect(a.train == b.train && a.queries == b.queries)
        #expect(a.train.firstNonFiniteRow() == nil)
        let other = SyntheticDataset.generate(count: 50, queryCount: 5, seed: 2)
        #expect(other.train != a.train)
    }

    @Test func hdf5UsesTheFileGroundTruthAndDistance() throws {
        let data = try BenchDataset.load(options(["--dataset", Fixtures.path("tiny-euclidean.hdf5")]), k: 10, threads: 1)
        let contents = try HDF5DatasetReader.read(path: Fixtures.path("tiny-euclidean.hdf5"))
        #expect(data.name == "tiny-euclidean.hdf5")
        #expect(data.metric == .l2)
        #expect(data.neighbors == contents.neighbors)
    }

    @Test func limitRecomputesGroundTruthOverTheFirstRows() throws {
        let data = try BenchDataset.load(
            options(["--dataset", Fixtures.path("tiny-euclidean.hdf5"), "--limit", "20", "--queries", "4"]), k: 3, threads: 1)
        #expect(data.train.rows == 20 && data.queries.rows == 4)
        #expect(data.neighbors.elements.allSatisfy { $0 < 20 })
        let expected = try GroundTruth.exact(train: data.train, queries: data.queries, metric: .l2, k: 3, threads: 1)
        #expect(data.neighbors == expected)
    }

    @Test func metricOverrideRecomputesGroundTruth() throws {
        let data = try BenchDataset.load(options(["--dataset", Fixtures.path("tiny-euclidean.hdf5"), "--metric", "ip"]), k: 4, threads: 1)
        #expect(data.metric == .innerProduct)
        let expected = try GroundTruth.exact(train: data.train, queries: data.queries, metric: .innerProduct, k: 4, threads: 1)
        #expect(data.neighbors == expected)
    }

    @Test func kBeyondTheFileGroundTruthIsRejected() {
        let error = expectCLIError(.invalidArgument) {
            try BenchDataset.load(options(["--dataset", Fixtures.path("tiny-euclidean.hdf5")]), k: 11, threads: 1)
        }
        #expect(error?.message == "--k 11 exceeds the 10 neighbours per query in the ground truth")
    }

    @Test func fvecsHoldsOutTheLastRowsAsQueries() throws {
        let directory = try TemporaryDirectory()
        let rows = DatasetBytes.rows(40, dimension: 3)
        let path = try directory.write("base.fvecs", DatasetBytes.fvecs(rows))
        let data = try BenchDataset.load(options(["--dataset", path, "--queries", "5"]), k: 2, threads: 1)
        #expect(data.train.rows == 35 && data.queries.rows == 5)
        #expect(data.queries.elements == rows.suffix(5).flatMap { $0 })
        #expect(data.neighbors.columns == 2)
    }

    @Test(arguments: ["fvecs", "fbin", "npy"])
    func separateQueriesAndGroundTruthFiles(format: String) throws {
        let directory = try TemporaryDirectory()
        let train = DatasetBytes.rows(30, dimension: 4)
        let queries = DatasetBytes.rows(3, dimension: 4, seed: 5)
        func encode(_ rows: [[Float]]) -> [UInt8] {
            switch format {
            case "fvecs": DatasetBytes.fvecs(rows)
            case "fbin": DatasetBytes.fbin(rows)
            default: DatasetBytes.npyFloats(rows)
            }
        }
        let trainPath = try directory.write("base.\(format)", encode(train))
        let queryPath = try directory.write("query.\(format)", encode(queries))
        let computed = try BenchDataset.load(options(["--dataset", trainPath, "--queries-file", queryPath]), k: 3, threads: 1)
        #expect(computed.train.rows == 30 && computed.queries.rows == 3)

        let ids = (0..<3).map { q in computed.neighbors.row(q).map { $0 } + [29, 28] }
        let truthPath = try directory.write("truth.ivecs", DatasetBytes.ivecs(ids))
        let given = try BenchDataset.load(
            options(["--dataset", trainPath, "--queries-file", queryPath, "--ground-truth", truthPath]), k: 3, threads: 1)
        #expect(given.neighbors.columns == 5)
        #expect(given.neighbors.row(0).prefix(3).elementsEqual(computed.neighbors.row(0)))
        let ibin = try directory.write("truth.ibin", DatasetBytes.ibin(ids))
        #expect(try BenchDataset.load(options(["--dataset", trainPath, "--queries-file", queryPath, "--ground-truth", ibin]), k: 3, threads: 1).neighbors == given.neighbors)
    }

    @Test func inconsistentInputsAreRejected() throws {
        let directory = try TemporaryDirectory()
        let train = try directory.write("base.fvecs", DatasetBytes.fvecs(DatasetBytes.rows(20, dimension: 4)))
        let narrow = try directory.write("narrow.fvecs", DatasetBytes.fvecs(DatasetBytes.rows(3, dimension: 2)))
        let queries = try directory.write("query.fvecs", DatasetBytes.fvecs(DatasetBytes.rows(3, dimension: 4)))
        let shortTruth = try directory.write("short.ivecs", DatasetBytes.ivecs([[1, 2]]))
        let outOfRange = try directory.write("range.ivecs", DatasetBytes.ivecs([[1], [2], [20]]))
        let text = try directory.write("notes.txt", text: "hello")
        let ids = try directory.write("ids.ibin", DatasetBytes.ibin([[1]]))

        let dimension = expectCLIError(.corruption) { try BenchDataset.load(options(["--dataset", train, "--queries-file", narrow]), k: 1, threads: 1) }
        #expect(dimension?.message == "narrow.fvecs: queries have dimension 2 but base.fvecs has 4")
        let rows = expectCLIError(.corruption) {
            try BenchDataset.load(options(["--dataset", train, "--queries-file", queries, "--ground-truth", shortTruth]), k: 1, threads: 1)
        }
        #expect(rows?.message == "short.ivecs: ground truth has 1 rows but there are 3 queries")
        expectCLIError(.corruption) {
            try BenchDataset.load(options(["--dataset", train, "--queries-file", queries, "--ground-truth", outOfRange]), k: 1, threads: 1)
        }
        let unknown = expectCLIError(.unsupported) { try BenchDataset.load(options(["--dataset", text]), k: 1, threads: 1) }
        #expect(unknown?.message.contains("unknown dataset extension '.txt'") == true)
        expectCLIError(.unsupported) { try BenchDataset.load(options(["--dataset", ids]), k: 1, threads: 1) }
        expectCLIError(.notFound) { try BenchDataset.load(options(["--dataset", directory.path("missing.fbin")]), k: 1, threads: 1) }
        expectCLIError(.invalidArgument) { try BenchDataset.load(options(["--dataset", train, "--queries", "20"]), k: 1, threads: 1) }
        expectCLIError(.invalidArgument) { try BenchDataset.load(options(["--limit", "5"]), k: 6, threads: 1) }
    }

    @Test func optionValidationRejectsContradictions() {
        #expect(throws: (any Error).self) { try DatasetOptions.parse(["--queries-file", "q.fvecs"]) }
        #expect(throws: (any Error).self) { try DatasetOptions.parse(["--dataset", "a.hdf5", "--queries-file", "q.fvecs"]) }
        #expect(throws: (any Error).self) { try DatasetOptions.parse(["--dataset", "a.fvecs", "--ground-truth", "t.ivecs"]) }
        #expect(throws: (any Error).self) { try DatasetOptions.parse(["--limit", "0"]) }
        #expect(throws: (any Error).self) { try DatasetOptions.parse(["--metric", "hamming"]) }
        #expect((try? DatasetOptions.parse(["--metric", "angular"]))?.metric == .cosine)
        #expect((try? DatasetOptions.parse(["--metric", "euclidean"]))?.metric == .l2)
    }
}
