package import ArgumentParser

/// Options that choose the vectors, queries and ground truth: `--dataset`, `--queries-file`,
/// `--ground-truth`, `--metric`, `--limit`, `--queries`, `--synthetic-dimension`.
package struct DatasetOptions: ParsableArguments, Sendable {
    @Option(
        help: ArgumentHelp(
            "Vectors to index: ann-benchmarks .hdf5/.h5, .fvecs, .fbin or .npy. Without it, a synthetic clustered set.",
            valueName: "file"))
    package var dataset: String?

    @Option(
        help: ArgumentHelp(
            "Queries for a .fvecs/.fbin/.npy dataset (default: hold out the last --queries rows).", valueName: "file"))
    package var queriesFile: String?

    @Option(
        help: ArgumentHelp(
            "Exact neighbour ids of the queries: .ivecs, .ibin or .npy (default: computed exactly).", valueName: "file"))
    package var groundTruth: String?

    @Option(
        help: "Distance: cosine, l2 or ip (default: the file's 'distance' attribute; l2 for other formats and the synthetic set).")
    package var metric: MetricOption?

    @Option(help: "Use only the first N train vectors (ground truth is recomputed); the synthetic set's size (default 20000).")
    package var limit: Int?

    @Option(help: "Use only the first N queries; the held-out or synthetic query count (default 1000).")
    package var queries: Int?

    @Option(help: "Dimension of the synthetic set (default 128); its size is --limit.")
    package var syntheticDimension: Int?

    /// Creates the defaults.
    package init() {}

    package func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if let queries, queries < 1 { throw ValidationError("--queries must be at least 1, got \(queries)") }
        if let syntheticDimension {
            guard dataset == nil else { throw ValidationError("--synthetic-dimension applies only without --dataset") }
            guard (1...65_536).contains(syntheticDimension) else {
                throw ValidationError("--synthetic-dimension must be in 1...65536, got \(syntheticDimension)")
            }
        }
        if dataset == nil {
            if queriesFile != nil { throw ValidationError("--queries-file needs --dataset") }
            if groundTruth != nil { throw ValidationError("--ground-truth needs --dataset") }
        }
        if let dataset, DatasetFormat(path: dataset) == .annBenchmarks {
            if queriesFile != nil || groundTruth != nil {
                throw ValidationError(
                    "--queries-file and --ground-truth apply to .fvecs, .fbin and .npy datasets; HDF5 files hold their own")
            }
        }
        if groundTruth != nil, queriesFile == nil {
            throw ValidationError("--ground-truth needs --queries-file (held-out queries have no ground truth file)")
        }
    }
}
