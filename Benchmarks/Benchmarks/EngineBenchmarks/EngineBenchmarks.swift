import Benchmark
import QuiverEngine
import QuiverStorage
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

// Write throughput with durability `always` (fsync before acknowledging) for 1 and 16 concurrent
// writers: group commit lets the 16 share each fsync. Two levels: the log alone (one 128-byte
// record per iteration) and the engine (one acknowledged single-vector upsert of a 16-d vector,
// which also inserts into the graph: on a 2-core machine that insert, not the fsync, bounds the
// 16-writer figure).

private let dimension = 16

private func temporaryDirectory() -> FilePath {
    var template = Array("/tmp/quiver-bench-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    return FilePath(path)
}

private func vector(_ i: Int) -> [Float] {
    var state = UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15 &+ 1
    return (0..<dimension).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Float(state >> 40) / Float(1 << 24) - 0.5
    }
}

/// Runs `body(thread)` on `count` threads and waits for them.
private func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var threads: [pthread_t] = []
    for t in 0..<count {
        let box = Unmanaged.passRetained(Box { body(t) }).toOpaque()
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, box)
        threads.append(thread)
    }
    for thread in threads { pthread_join(thread, nil) }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock], timeUnits: .microseconds, maxDuration: .seconds(3), maxIterations: 1_000_000)

    for writers in [1, 16] {
        Benchmark("log append durability=always writers=\(writers)", configuration: .init(scalingFactor: .kilo)) { benchmark in
            let directory = temporaryDirectory()
            let log = try WAL.open(directory: directory) { _ in }
            let total = benchmark.scaledIterations.count
            let payload = [UInt8](repeating: 7, count: 128)
            benchmark.startMeasurement()
            onThreads(writers) { t in
                for _ in stride(from: t, to: total, by: writers) { _ = try! log.append(payload) }
            }
            benchmark.stopMeasurement()
            try log.close()
            _ = system("rm -rf '\(directory.string)'")
        }
        Benchmark(
            "upsert durability=always writers=\(writers)",
            configuration: .init(scalingFactor: .kilo)
        ) { benchmark in
            let directory = temporaryDirectory()
            var options = EngineOptions()
            options.flushThresholdBytes = 1 << 30
            let engine = try StorageEngine.open(directory: directory, options: options)
            try engine.createCollection(CollectionDefinition(name: "bench", dimension: dimension, metric: .l2))
            let total = benchmark.scaledIterations.count
            benchmark.startMeasurement()
            onThreads(writers) { t in
                for i in stride(from: t, to: total, by: writers) {
                    try! engine.upsert("k\(i)", vector: vector(i), in: "bench")
                }
            }
            benchmark.stopMeasurement()
            try engine.close()
            _ = system("rm -rf '\(directory.string)'")
        }
    }
}
