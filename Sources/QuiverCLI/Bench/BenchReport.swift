/// One system's benchmark run, in the schema of `shared/BENCH_SCHEMA.md` that peers.py also writes.
package struct BenchReport: Codable, Sendable, Equatable {
    /// Index parameters.
    package struct Parameters: Codable, Sendable, Equatable {
        /// Neighbours per node (HNSW M).
        package var m: Int
        /// Candidate-list size while building.
        package var efConstruction: Int
        /// quiver only: `f32`, `f16`, `i8` or `binary`.
        package var quantization: String?

        /// Creates parameters.
        package init(m: Int, efConstruction: Int, quantization: String? = nil) {
            self.m = m
            self.efConstruction = efConstruction
            self.quantization = quantization
        }

        enum CodingKeys: String, CodingKey {
            case m
            case efConstruction = "ef_construction"
            case quantization
        }
    }

    /// The measurements at one search breadth.
    package struct SearchPoint: Codable, Sendable, Equatable {
        /// Search breadth.
        package var ef: Int
        /// Neighbours asked for.
        package var k: Int
        /// Mean recall@k against the exact neighbours.
        package var recall: Double
        /// Queries per second, one at a time on one thread (sum of latencies).
        package var qps1Thread: Double
        /// Queries per second with all queries spread over ``BenchReport/threads`` threads.
        package var qpsAllThreads: Double
        /// Median single-thread latency, microseconds.
        package var p50Microseconds: Double
        /// 99th-percentile single-thread latency, microseconds.
        package var p99Microseconds: Double

        /// Creates a point.
        package init(
            ef: Int, k: Int, recall: Double, qps1Thread: Double, qpsAllThreads: Double, p50Microseconds: Double,
            p99Microseconds: Double
        ) {
            self.ef = ef
            self.k = k
            self.recall = recall
            self.qps1Thread = qps1Thread
            self.qpsAllThreads = qpsAllThreads
            self.p50Microseconds = p50Microseconds
            self.p99Microseconds = p99Microseconds
        }

        enum CodingKeys: String, CodingKey {
            case ef, k, recall
            case qps1Thread = "qps_1thread"
            case qpsAllThreads = "qps_all_threads"
            case p50Microseconds = "p50_us"
            case p99Microseconds = "p99_us"
        }
    }

    /// `quiver`, `hnswlib`, `faiss`, `usearch`, ...
    package var system: String
    /// The system's version (for quiver: `git describe` or the package version).
    package var version: String
    /// The dataset's file name.
    package var dataset: String
    /// Vectors indexed.
    package var n: Int
    /// Dimensions.
    package var dim: Int
    /// `angular`, `euclidean` or `ip`.
    package var metric: String
    /// Index parameters.
    package var params: Parameters
    /// Threads for the build and for ``SearchPoint/qpsAllThreads``.
    package var threads: Int
    /// Wall time to insert every vector, index ready to search.
    package var buildSeconds: Double
    /// `n / buildSeconds`.
    package var buildVectorsPerSecond: Double
    /// Peak resident memory of the process after the build.
    package var peakRSSBytes: Int
    /// Resident memory the build added.
    package var rssGrowthBytes: Int
    /// One point per `ef`.
    package var search: [SearchPoint]
    /// Optional: the distance-kernel level (`avx2`, ...).
    package var simdLevel: String?
    /// Optional: index memory per vector: the search encoding plus the vector's share of the
    /// graph (neighbour lists and node records), from the index's own accounting.
    package var bytesPerVector: Int?
    /// Optional: f32 originals kept for exact re-ranking, per vector (a storage layer keeps them on
    /// disk; zero or absent without re-ranking).
    package var originalBytesPerVector: Int?
    /// Optional (quiver's `--delete`): the search points again after deleting part of the index.
    package var afterDelete: DeletionRun?
    /// With `--persist`: seconds to reopen the stored index and answer the first query.
    package var openSeconds: Double?
    /// With `--persist`: bytes of the database directory holding the index.
    package var indexFileBytes: Int?
    /// With `--persist`: fraction of queries whose top-k after the reopen equals the in-memory index's.
    package var persistAgreement: Double?
    /// With `--filter-selectivity`: filtered search against search-then-filter (printed, and
    /// written to JSON as `filtered_search`).
    package var filtered: FilteredRun? = nil

    /// Creates a report.
    package init(
        system: String, version: String, dataset: String, n: Int, dim: Int, metric: String, params: Parameters,
        threads: Int, buildSeconds: Double, buildVectorsPerSecond: Double, peakRSSBytes: Int, rssGrowthBytes: Int,
        search: [SearchPoint], simdLevel: String? = nil, bytesPerVector: Int? = nil
    ) {
        self.system = system
        self.version = version
        self.dataset = dataset
        self.n = n
        self.dim = dim
        self.metric = metric
        self.params = params
        self.threads = threads
        self.buildSeconds = buildSeconds
        self.buildVectorsPerSecond = buildVectorsPerSecond
        self.peakRSSBytes = peakRSSBytes
        self.rssGrowthBytes = rssGrowthBytes
        self.search = search
        self.simdLevel = simdLevel
        self.bytesPerVector = bytesPerVector
    }

    enum CodingKeys: String, CodingKey {
        case system, version, dataset, n, dim, metric, params, threads
        case buildSeconds = "build_seconds"
        case buildVectorsPerSecond = "build_vectors_per_second"
        case peakRSSBytes = "peak_rss_bytes"
        case rssGrowthBytes = "rss_growth_bytes"
        case search
        case simdLevel = "simd_level"
        case bytesPerVector = "bytes_per_vector"
        case originalBytesPerVector = "original_bytes_per_vector"
        case afterDelete = "after_delete"
        case openSeconds = "open_seconds"
        case indexFileBytes = "index_file_bytes"
        case persistAgreement = "persist_agreement"
    }
}
