package import ArgumentParser
internal import Foundation
internal import QuiverIndex

extension QuiverCommand {
    /// `quiver bench`: builds an HNSW index over a dataset and measures recall, throughput, latency
    /// and memory the way `shared/tools/peers.py` measures hnswlib, FAISS and USearch.
    package struct Bench: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Build an HNSW index over a dataset; measure build time, memory, recall, QPS and latency.",
            discussion: """
                Reads ann-benchmarks HDF5 (train, test, neighbors, attribute 'distance'), .fvecs/.ivecs, \
                .fbin/.ibin and .npy ('<f4' vectors, '<i4'/'<i8' ids). Without --dataset it generates a \
                deterministic clustered set (20000 x 128, 1000 queries; --limit, --synthetic-dimension and \
                --queries change its shape) with exact ground truth. With \
                --limit and a dataset, only the first N train vectors are indexed and the ground truth is \
                recomputed exactly, as peers.py does.
                """)

        @OptionGroup package var datasetOptions: DatasetOptions
        @OptionGroup package var indexOptions: HNSWOptions

        @Option(help: "Threads for the build and for the all-threads QPS; defaults to the number of cores.")
        package var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: "Neighbours to ask for (recall@k).")
        package var k: Int = 10

        @Option(help: "Search breadths to measure, comma-separated.")
        package var ef: EFList = .standard

        @Option(help: ArgumentHelp("Write the results as JSON (shared/BENCH_SCHEMA.md).", valueName: "file"))
        package var json: String?

        @Option(help: ArgumentHelp("Print quiver beside the results peers.py wrote to this file.", valueName: "file"))
        package var compare: String?

        @Option(
            help: ArgumentHelp(
                "After measuring, delete this fraction of the vectors, purge, and measure again.", valueName: "fraction"))
        package var delete: Double?

        @Option(help: "Which vectors --delete removes: random, or clusters (whole neighbourhoods).")
        package var deletePattern: DeletionPattern = .random

        @Option(
            help: ArgumentHelp(
                "Store the built index in a new database at this directory, reopen it, and report open_seconds and index_file_bytes.",
                valueName: "dir"))
        package var persist: String?

        @Option(
            help: ArgumentHelp(
                "Also measure filtered search with this fraction of the vectors passing (.bucket == 0 over JSON attributes), beside search-then-filter.",
                valueName: "fraction"))
        package var filterSelectivity: Double?

        /// Creates the defaults (ArgumentParser fills it in).
        package init() {}

        package func validate() throws {
            guard (1...1024).contains(threads) else { throw ValidationError("--threads must be in 1...1024, got \(threads)") }
            guard (1...10_000).contains(k) else { throw ValidationError("--k must be in 1...10000, got \(k)") }
            if let filterSelectivity, !(filterSelectivity > 0 && filterSelectivity <= 1) {
                throw ValidationError("--filter-selectivity must be a fraction in (0, 1], got \(filterSelectivity)")
            }
            if let delete, !(delete > 0 && delete < 1) {
                throw ValidationError("--delete must be a fraction in (0, 1), got \(delete)")
            }
        }

        package func run() async throws {
            // Inputs that fail fast are checked before the long build.
            let peers = try compare.map { (path) throws(CLIError) in try BenchReport.read(path: path) }
            if let json { try Self.requireWritable(json) }
            let interactive = ProgressBar.isStandardErrorTerminal
            let dataset = try BenchDataset.load(
                datasetOptions, k: k, threads: threads, log: interactive ? { QuiverCommand.note($0) } : { _ in })
            var runner = BenchRunner(
                dataset: dataset,
                configuration: indexOptions.configuration(dimension: dataset.train.columns, metric: dataset.metric),
                threads: threads, k: k, efs: ef.values)
            runner.showsProgress = interactive
            runner.version = BuildVersion.current
            runner.deletion = delete.map { ($0, deletePattern) }
            runner.persistDirectory = persist
            runner.filterSelectivity = filterSelectivity
            let report = try runner.run()
            print(report.renderedSummary())
            if let json {
                try BenchReport.write([report], to: json)
                if interactive { QuiverCommand.note("wrote \(json)") }
            }
            if let peers {
                print("")
                print(PeerComparison(quiver: report, peers: peers).rendered())
            }
        }

        /// Throws unless a file can be created at `path` (its directory exists and is writable).
        static func requireWritable(_ path: String) throws(CLIError) {
            let directory = (path as NSString).deletingLastPathComponent
            let parent = directory.isEmpty ? "." : directory
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw .io("\(path): cannot write: directory \(parent) does not exist")
            }
            guard FileManager.default.isWritableFile(atPath: parent) else {
                throw .io("\(path): cannot write: directory \(parent) is not writable")
            }
        }
    }
}
