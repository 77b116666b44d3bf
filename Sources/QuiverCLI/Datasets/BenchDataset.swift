internal import Foundation
package import QuiverKernels

/// What a benchmark runs on: vectors to index, queries, and each query's exact neighbours.
package struct BenchDataset: Sendable {
    /// The dataset's file name (or the synthetic set's name).
    package var name: String
    /// The distance the ground truth is exact for.
    package var metric: Metric
    /// The vectors to index.
    package var train: Matrix<Float>
    /// The queries, with as many columns as ``train``.
    package var queries: Matrix<Float>
    /// Row `i` holds the ids (rows of ``train``) of query `i`'s exact neighbours, nearest first.
    package var neighbors: Matrix<Int32>

    /// Creates a dataset after checking that the parts agree.
    ///
    /// - Throws: `CLIError.corruption` for a dimension or row-count mismatch or a neighbour id
    ///   outside the train rows.
    package init(
        name: String, metric: Metric, train: Matrix<Float>, queries: Matrix<Float>, neighbors: Matrix<Int32>
    ) throws(CLIError) {
        guard train.rows > 0, train.columns > 0 else { throw .corruption("\(name): no train vectors") }
        guard queries.rows > 0 else { throw .corruption("\(name): no queries") }
        guard queries.columns == train.columns else {
            throw .corruption("\(name): queries have dimension \(queries.columns) but train vectors have \(train.columns)")
        }
        guard neighbors.rows == queries.rows else {
            throw .corruption("\(name): ground truth has \(neighbors.rows) rows but there are \(queries.rows) queries")
        }
        guard neighbors.columns > 0 else { throw .corruption("\(name): ground truth rows are empty") }
        if let bad = neighbors.elements.firstIndex(where: { $0 < 0 || Int($0) >= train.rows }) {
            throw .corruption(
                "\(name): ground truth id \(neighbors.elements[bad]) in row \(bad / neighbors.columns) "
                    + "is outside the \(train.rows) train vectors"
            )
        }
        self.name = name
        self.metric = metric
        self.train = train
        self.queries = queries
        self.neighbors = neighbors
    }
}

extension BenchDataset {
    /// Loads what `options` describe, applies `--queries` and `--limit`, and computes exact ground
    /// truth where the files give none or where it no longer holds.
    ///
    /// - Parameters:
    ///   - k: neighbours the benchmark asks for; the ground truth must have at least `k` columns.
    ///   - threads: threads for the exact ground truth.
    ///   - log: progress notes for a terminal.
    /// - Throws: `CLIError` for a missing, malformed or inconsistent input.
    package static func load(
        _ options: DatasetOptions, k: Int, threads: Int, log: (String) -> Void = { _ in }
    ) throws(CLIError) -> BenchDataset {
        guard let path = options.dataset else {
            let count = options.limit ?? SyntheticDataset.defaultCount
            let queryCount = options.queries ?? SyntheticDataset.defaultQueryCount
            let dimension = options.syntheticDimension ?? SyntheticDataset.dimension
            let metric = options.metric?.metric ?? .l2
            let memory = Int(clamping: ProcessInfo.processInfo.physicalMemory)
            let (rows, overflow) = count.addingReportingOverflow(queryCount)
            guard !overflow, rows <= memory / (dimension * 4) else {
                throw CLIError(
                    .resourceExhausted,
                    "\(count) + \(queryCount) synthetic vectors of dimension \(dimension) "
                        + "would not fit in \(memory >> 20) MiB of memory")
            }
            log("generating \(count) + \(queryCount) synthetic vectors of dimension \(dimension)")
            let (train, queries) = SyntheticDataset.generate(count: count, queryCount: queryCount, dimension: dimension)
            try requireK(k, train: train)
            log("computing exact ground truth")
            let truth = try GroundTruth.exact(train: train, queries: queries, metric: metric, k: k, threads: threads)
            return try BenchDataset(name: SyntheticDataset.name, metric: metric, train: train, queries: queries, neighbors: truth)
        }

        let name = MappedFile.fileName(of: path)
        var train: Matrix<Float>
        var queries: Matrix<Float>
        var truth: Matrix<Int32>?
        var metric: Metric
        log("reading \(name)")
        switch DatasetFormat(path: path) {
        case .annBenchmarks?:
            let memory = Int(clamping: ProcessInfo.processInfo.physicalMemory)
            let contents = try HDF5DatasetReader.read(path: path, byteLimit: memory)
            let fileMetric: Metric
            if let distance = contents.distance {
                if let parsed = Metric(name: distance) {
                    fileMetric = parsed
                } else if let override = options.metric {
                    fileMetric = override.metric
                } else {
                    throw .unsupported("\(name): distance '\(distance)' is not supported; pass --metric cosine, l2 or ip")
                }
            } else {
                fileMetric = .cosine  // peers.py's default for files without the attribute
            }
            metric = options.metric?.metric ?? fileMetric
            train = contents.train
            queries = contents.test
            // Ground truth computed for another metric does not hold for this one.
            truth = metric == fileMetric ? contents.neighbors : nil
            _ = try BenchDataset(name: name, metric: fileMetric, train: train, queries: queries, neighbors: contents.neighbors)
        case .some:
            metric = options.metric?.metric ?? .l2
            let all = try DatasetFormat.readFloats(path: path, role: "dataset")
            if let queriesFile = options.queriesFile {
                train = all
                queries = try DatasetFormat.readFloats(path: queriesFile, role: "queries file")
                guard queries.columns == train.columns else {
                    throw .corruption(
                        "\(MappedFile.fileName(of: queriesFile)): queries have dimension \(queries.columns) "
                            + "but \(name) has \(train.columns)")
                }
                if let groundTruth = options.groundTruth {
                    let ids = try DatasetFormat.readIntegers(path: groundTruth, role: "ground truth")
                    _ = try BenchDataset(
                        name: MappedFile.fileName(of: groundTruth), metric: metric, train: train, queries: queries,
                        neighbors: ids)
                    truth = ids
                }
            } else {
                let held = options.queries ?? SyntheticDataset.defaultQueryCount
                guard held < all.rows else {
                    throw .invalidArgument(
                        "\(name) has \(all.rows) rows; cannot hold out \(held) as queries and keep any to index")
                }
                train = all.prefix(rows: all.rows - held)
                queries = all.suffix(fromRow: all.rows - held)
                log("holding out the last \(held) rows of \(name) as queries")
            }
        case nil:
            throw .unsupported(
                "\(path): unknown dataset extension '.\(MappedFile.fileExtension(of: path))' "
                    + "(expected .hdf5, .h5, .fvecs, .fbin or .npy)")
        }

        if let count = options.queries, count < queries.rows {
            queries = queries.prefix(rows: count)
            truth = truth?.prefix(rows: count)
        }
        if let limit = options.limit, limit < train.rows {
            // The file's ground truth is only valid for the whole train set (as in peers.py).
            train = train.prefix(rows: limit)
            truth = nil
        }
        try requireK(k, train: train)
        if let given = truth, given.columns < k {
            throw .invalidArgument("--k \(k) exceeds the \(given.columns) neighbours per query in the ground truth")
        }
        let neighbors: Matrix<Int32>
        if let truth {
            neighbors = truth
        } else {
            log("computing exact ground truth for \(queries.rows) queries over \(train.rows) vectors")
            neighbors = try GroundTruth.exact(train: train, queries: queries, metric: metric, k: k, threads: threads)
        }
        return try BenchDataset(name: name, metric: metric, train: train, queries: queries, neighbors: neighbors)
    }

    private static func requireK(_ k: Int, train: Matrix<Float>) throws(CLIError) {
        guard k <= train.rows else { throw .invalidArgument("--k \(k) exceeds the \(train.rows) vectors to index") }
    }
}
