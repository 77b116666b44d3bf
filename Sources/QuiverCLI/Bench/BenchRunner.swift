internal import Dispatch
package import QuiverIndex
internal import Synchronization

/// Builds an HNSW index over a dataset and measures it exactly as peers.py measures its systems:
/// build wall time (index created and every vector inserted), resident memory, then for each `ef`
/// recall@k, single-thread throughput from the sum of per-query latencies, all-thread throughput,
/// and latency percentiles.
package struct BenchRunner: Sendable {
    /// The vectors, queries and ground truth.
    package var dataset: BenchDataset
    /// The index to build; its dimension and metric must match the dataset.
    package var configuration: HNSWConfiguration
    /// Threads for the build and for the all-thread throughput.
    package var threads: Int
    /// Neighbours asked for.
    package var k: Int
    /// Search breadths to measure (each searched with `max(ef, k)`, as peers.py does).
    package var efs: [Int]
    /// Whether to draw a build progress bar on standard error.
    package var showsProgress: Bool = false
    /// The version reported.
    package var version: String = BuildVersion.package

    /// Creates a runner.
    package init(dataset: BenchDataset, configuration: HNSWConfiguration, threads: Int, k: Int, efs: [Int]) {
        self.dataset = dataset
        self.configuration = configuration
        self.threads = threads
        self.k = k
        self.efs = efs
    }

    /// Builds and measures.
    ///
    /// - Throws: `CLIError.invalidArgument` when the configuration is rejected;
    ///   `CLIError.internalError` when the index rejects validated data.
    package func run() throws(CLIError) -> BenchReport {
        precondition(configuration.dimension == dataset.train.columns && configuration.metric == dataset.metric)
        precondition(k >= 1 && threads >= 1 && dataset.neighbors.columns >= k)
        let train = dataset.train
        let clock = ContinuousClock()

        ResourceUsage.releaseFreedMemory()
        let residentBefore = ResourceUsage.currentResidentBytes()
        let bar = ProgressBar(total: train.rows, label: "building", enabled: showsProgress)
        var progress: (@Sendable (Int) -> Void)?
        if showsProgress { progress = { @Sendable done in bar.update(done) } }
        let start = clock.now
        let index: HNSWIndex
        let ids: [UInt32]
        do {
            index = try HNSWIndex(configuration)
            ids = try train.elements.withUnsafeBufferPointer { (rows) throws(IndexError) in
                try index.add(contentsOf: rows, threads: threads, progress: progress)
            }
        } catch {
            bar.finish()
            throw Self.map(error)
        }
        let buildSeconds = (clock.now - start).seconds
        bar.finish()
        let peak = ResourceUsage.peakResidentBytes()
        let growth = ResourceUsage.currentResidentBytes() - residentBefore

        let rowOfID = Self.rows(of: ids)
        var points: [BenchReport.SearchPoint] = []
        for ef in efs {
            points.append(try measure(index, ef: ef, rowOfID: rowOfID, clock: clock))
        }
        return BenchReport(
            system: "quiver", version: version, dataset: dataset.name, n: train.rows, dim: train.columns,
            metric: dataset.metric.annBenchmarksName,
            params: .init(
                m: configuration.m, efConstruction: configuration.efConstruction,
                quantization: configuration.encoding.rawValue),
            threads: threads, buildSeconds: Self.round(buildSeconds, 3),
            buildVectorsPerSecond: Self.round(Double(train.rows) / max(buildSeconds, 1e-9), 1),
            peakRSSBytes: peak, rssGrowthBytes: growth, search: points,
            simdLevel: SIMDLevel.active.rawValue,
            bytesPerVector: configuration.encoding.bytesPerVector(dimension: configuration.dimension))
    }

    private func measure(
        _ index: HNSWIndex, ef: Int, rowOfID: [Int32]?, clock: ContinuousClock
    ) throws(CLIError) -> BenchReport.SearchPoint {
        let queries = dataset.queries
        let dimension = queries.columns
        let searchEF = max(ef, k)
        var latencies: [Double] = []
        latencies.reserveCapacity(queries.rows)
        var hits = 0
        do {
            try queries.elements.withUnsafeBufferPointer { (all) throws(IndexError) in
                for q in 0..<queries.rows {
                    let row = UnsafeBufferPointer(rebasing: all[q * dimension..<(q + 1) * dimension])
                    let started = clock.now
                    let found = try index.search(row, k: k, ef: searchEF)
                    latencies.append((clock.now - started).seconds * 1e6)
                    hits += hitCount(found, query: q, rowOfID: rowOfID)
                }
            }
        } catch {
            throw Self.map(error)
        }
        let summary = LatencySummary(latencies)
        let batchSeconds = try searchAll(index, ef: searchEF, clock: clock)
        return BenchReport.SearchPoint(
            ef: ef, k: k,
            recall: Self.round(Double(hits) / Double(queries.rows * k), 4),
            qps1Thread: Self.round(Double(queries.rows) / max(summary.total / 1e6, 1e-12), 1),
            qpsAllThreads: Self.round(Double(queries.rows) / max(batchSeconds, 1e-12), 1),
            p50Microseconds: Self.round(summary.percentile(50), 1),
            p99Microseconds: Self.round(summary.percentile(99), 1))
    }

    /// How many of the first `k` results are among the query's first `k` true neighbours.
    private func hitCount(_ found: [SearchResult], query: Int, rowOfID: [Int32]?) -> Int {
        let truth = Set(dataset.neighbors.row(query).prefix(k))
        var seen = Set<Int32>()
        for result in found.prefix(k) {
            let row = rowOfID.map { Int(result.id) < $0.count ? $0[Int(result.id)] : -1 } ?? Int32(result.id)
            seen.insert(row)
        }
        return seen.intersection(truth).count
    }

    /// Wall time to answer every query once with `threads` threads sharing a counter.
    private func searchAll(_ index: HNSWIndex, ef: Int, clock: ContinuousClock) throws(CLIError) -> Double {
        let queries = dataset.queries
        let dimension = queries.columns
        let count = queries.rows
        let next = Atomic<Int>(0)
        let failure = Mutex<IndexError?>(nil)
        let k = self.k
        let workers = max(1, min(threads, count))
        let started = clock.now
        queries.elements.withUnsafeBufferPointer { all in
            let shared = UncheckedSendableBuffer(buffer: all)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let q = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard q < count else { break }
                    let row = UnsafeBufferPointer(rebasing: shared.buffer[q * dimension..<(q + 1) * dimension])
                    do throws(IndexError) {
                        _ = try index.search(row, k: k, ef: ef)
                    } catch {
                        failure.withLock { $0 = $0 ?? error }
                    }
                }
            }
        }
        let seconds = (clock.now - started).seconds
        if let error = failure.withLock({ $0 }) { throw Self.map(error) }
        return seconds
    }

    /// The train row of each id, or `nil` when ids are the row numbers (a fresh index).
    private static func rows(of ids: [UInt32]) -> [Int32]? {
        if ids.elementsEqual(0..<UInt32(ids.count)) { return nil }
        var rows = [Int32](repeating: -1, count: Int(ids.max() ?? 0) + 1)
        for (row, id) in ids.enumerated() { rows[Int(id)] = Int32(row) }
        return rows
    }

    /// Rounds to `digits` decimals, as peers.py's `round` does for the same fields.
    static func round(_ value: Double, _ digits: Int) -> Double {
        guard value.isFinite else { return value }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (value * scale).rounded() / scale
    }

    private static func map(_ error: IndexError) -> CLIError {
        error.code == .invalidArgument
            ? CLIError(.invalidArgument, "index rejected the configuration or data: \(error.message)")
            : CLIError(.internalError, "index failed: \(error)")
    }
}

/// A query buffer shared read-only by the search threads; nothing writes it while they run.
private struct UncheckedSendableBuffer: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<Float>
}
