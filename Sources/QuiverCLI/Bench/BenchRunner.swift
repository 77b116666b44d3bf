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
    /// When set, after the main measurements delete this fraction of the vectors with this
    /// pattern, purge, and measure again against the survivors' exact neighbours.
    package var deletion: (fraction: Double, pattern: DeletionPattern)?
    /// When set, store the built index in a database at this directory, reopen it, and report
    /// the reopen time and the directory's size (before any deletion).
    package var persistDirectory: String?
    /// When set, measure filtered search with this fraction of rows passing (before any deletion).
    package var filterSelectivity: Double?

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

        let memory = index.memoryUsage
        let rowOfID = Self.rows(of: ids)
        var points: [BenchReport.SearchPoint] = []
        for ef in efs {
            points.append(try measure(index, ef: ef, rowOfID: rowOfID, neighbors: dataset.neighbors, clock: clock))
        }
        let persisted = try persistDirectory.map { (directory) throws(CLIError) in
            try PersistRun.measure(index: index, ids: ids, directory: directory, queries: dataset.queries, k: k)
        }
        let filtered = try filterSelectivity.map { (selectivity) throws(CLIError) in
            try FilteredRun.measure(
                index: index, ids: ids, train: train, queries: dataset.queries, k: k, efs: efs, selectivity: selectivity)
        }
        let afterDelete = try deletion.map { (deletion) throws(CLIError) in
            try measureAfterDeleting(deletion.fraction, deletion.pattern, from: index, ids: ids, clock: clock)
        }
        var report = BenchReport(
            system: "quiver", version: version, dataset: dataset.name, n: train.rows, dim: train.columns,
            metric: dataset.metric.annBenchmarksName,
            params: .init(
                m: configuration.m, efConstruction: configuration.efConstruction,
                quantization: configuration.encoding.rawValue),
            threads: threads, buildSeconds: Self.round(buildSeconds, 3),
            buildVectorsPerSecond: Self.round(Double(train.rows) / max(buildSeconds, 1e-9), 1),
            peakRSSBytes: peak, rssGrowthBytes: growth, search: points,
            simdLevel: SIMDLevel.active.rawValue,
            bytesPerVector: (memory.vectorBytes + memory.graphBytes) / max(train.rows, 1))
        report.originalBytesPerVector = memory.originalVectorBytes / max(train.rows, 1)
        report.afterDelete = afterDelete
        report.filtered = filtered
        if let persisted {
            report.openSeconds = Self.round(persisted.openSeconds, 4)
            report.indexFileBytes = persisted.indexFileBytes
            report.persistAgreement = persisted.agreement
        }
        return report
    }

    /// Deletes `fraction` of the rows, purges, and measures every `ef` against the exact neighbours
    /// among the surviving rows.
    private func measureAfterDeleting(
        _ fraction: Double, _ pattern: DeletionPattern, from index: HNSWIndex, ids: [UInt32], clock: ContinuousClock
    ) throws(CLIError) -> DeletionRun {
        let train = dataset.train
        let target = Int((Double(train.rows) * fraction).rounded())
        var doomed = Set<Int>()
        var state: UInt64 = 0x5EED_DE1E
        func nextRow() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(train.rows))
        }
        var rowOfID = [Int: Int]()
        for (row, id) in ids.enumerated() { rowOfID[Int(id)] = row }
        do {
            while doomed.count < target {
                let seed = nextRow()
                guard pattern == .clusters else {
                    doomed.insert(seed)
                    continue
                }
                let neighbourhood = try train.elements.withUnsafeBufferPointer { (all) throws(IndexError) in
                    let row = UnsafeBufferPointer(rebasing: all[seed * train.columns..<(seed + 1) * train.columns])
                    return try index.search(row, k: 200, ef: 400)
                }
                for found in neighbourhood where doomed.count < target { doomed.insert(rowOfID[Int(found.id)]!) }
            }
            let started = clock.now
            for row in doomed.sorted() { try index.remove(ids[row]) }
            index.purgeDeleted(threads: threads)
            let deleteSeconds = (clock.now - started).seconds

            let survivors = (0..<train.rows).filter { !doomed.contains($0) }
            var elements: [Float] = []
            elements.reserveCapacity(survivors.count * train.columns)
            for row in survivors { elements += train.row(row) }
            let truth = try GroundTruth.exact(
                train: Matrix(rows: survivors.count, columns: train.columns, elements: elements), queries: dataset.queries,
                metric: dataset.metric, k: k, threads: threads)
            let neighbors = Matrix(rows: truth.rows, columns: truth.columns, elements: truth.elements.map { Int32(survivors[Int($0)]) })
            var points: [BenchReport.SearchPoint] = []
            let rowOfIDs = Self.rows(of: ids)
            for ef in efs { points.append(try measure(index, ef: ef, rowOfID: rowOfIDs, neighbors: neighbors, clock: clock)) }

            let fresh = try HNSWIndex(configuration)
            let freshIDs = try elements.withUnsafeBufferPointer { (rows) throws(IndexError) in
                try fresh.add(contentsOf: rows, threads: threads)
            }
            var freshRowOfID = [Int32](repeating: -1, count: Int(freshIDs.max() ?? 0) + 1)
            for (i, id) in freshIDs.enumerated() { freshRowOfID[Int(id)] = Int32(survivors[i]) }
            var freshPoints: [BenchReport.SearchPoint] = []
            for ef in efs {
                freshPoints.append(try measure(fresh, ef: ef, rowOfID: freshRowOfID, neighbors: neighbors, clock: clock))
            }
            return DeletionRun(
                fraction: fraction, pattern: pattern, deleted: doomed.count, deleteSeconds: Self.round(deleteSeconds, 3),
                search: points, freshBuild: freshPoints)
        } catch let error as IndexError {
            throw Self.map(error)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError(.internalError, "deletion run failed: \(error)")
        }
    }

    private func measure(
        _ index: HNSWIndex, ef: Int, rowOfID: [Int32]?, neighbors: Matrix<Int32>, clock: ContinuousClock
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
                    hits += hitCount(found, truth: neighbors.row(q), rowOfID: rowOfID)
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
    private func hitCount(_ found: [SearchResult], truth row: ArraySlice<Int32>, rowOfID: [Int32]?) -> Int {
        let truth = Set(row.prefix(k))
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
        let failure = Locked<IndexError?>(nil)
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
