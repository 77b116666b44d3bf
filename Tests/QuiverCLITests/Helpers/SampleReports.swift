import QuiverCLI

/// Reports with known numbers for the report and comparison tests.
enum SampleReports {
    static func point(ef: Int, recall: Double, qps: Double) -> BenchReport.SearchPoint {
        BenchReport.SearchPoint(
            ef: ef, k: 10, recall: recall, qps1Thread: qps, qpsAllThreads: qps * 1.9, p50Microseconds: 1e6 / qps,
            p99Microseconds: 2e6 / qps)
    }

    static let quiver = BenchReport(
        system: "quiver", version: "abc1234-dirty", dataset: "wiki.hdf5", n: 5000, dim: 384, metric: "angular",
        params: .init(m: 16, efConstruction: 200, quantization: "f32"), threads: 2, buildSeconds: 2.0,
        buildVectorsPerSecond: 2500.0, peakRSSBytes: 100_000_000, rssGrowthBytes: 12_000_000,
        search: [point(ef: 10, recall: 0.90, qps: 40000), point(ef: 20, recall: 0.97, qps: 30000), point(ef: 40, recall: 0.995, qps: 15000)],
        simdLevel: "avx2", bytesPerVector: 1536)

    static let hnswlib = BenchReport(
        system: "hnswlib", version: "0.8.0", dataset: "wiki.hdf5", n: 5000, dim: 384, metric: "angular",
        params: .init(m: 16, efConstruction: 200), threads: 2, buildSeconds: 1.0, buildVectorsPerSecond: 5000.0,
        peakRSSBytes: 90_000_000, rssGrowthBytes: 10_000_000,
        search: [point(ef: 10, recall: 0.92, qps: 42000), point(ef: 20, recall: 0.972, qps: 28000), point(ef: 40, recall: 0.9955, qps: 12000)])

    /// peers.py's output for one system, verbatim in layout.
    static let peersJSON = """
        [
         {
          "system": "hnswlib",
          "version": "0.8.0",
          "dataset": "wiki.hdf5",
          "n": 5000,
          "dim": 384,
          "metric": "angular",
          "params": {
           "m": 16,
           "ef_construction": 200
          },
          "threads": 2,
          "build_seconds": 1.0,
          "build_vectors_per_second": 5000.0,
          "peak_rss_bytes": 90000000,
          "rss_growth_bytes": 10000000,
          "search": [
           {"ef": 10, "k": 10, "recall": 0.92, "qps_1thread": 42000.0, "qps_all_threads": 79800.0, "p50_us": 23.8, "p99_us": 47.6},
           {"ef": 20, "k": 10, "recall": 0.972, "qps_1thread": 28000.0, "qps_all_threads": 53200.0, "p50_us": 35.7, "p99_us": 71.4},
           {"ef": 40, "k": 10, "recall": 0.9955, "qps_1thread": 12000.0, "qps_all_threads": 22800.0, "p50_us": 83.3, "p99_us": 166.7}
          ]
         }
        ]
        """
}
