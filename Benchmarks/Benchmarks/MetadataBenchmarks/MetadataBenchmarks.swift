import Benchmark
import Quiver
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// Issue 4's two targets, each beside its peer in the same run:
// - a cache-table get that hits, against a Dictionary lookup behind a mutex (target: within 2x);
// - an entity upsert with its 384-d embedding, against a bare upsert of the same vector, both
//   with durability `interval` (target: the metadata path adds at most 10 %).

private let keyCount = 10_000

private func keys() -> [Key] { (0..<keyCount).map { Key("user:\($0):profile") } }

/// The peer: what an application would write by hand.
private final class LockedDictionary: @unchecked Sendable {  // `storage` is guarded by `mutex`
    private var storage: [Key: [UInt8]] = [:]
    private let mutex = Mutex<Void>(())
    func set(_ key: Key, _ value: [UInt8]) { mutex.withLock { _ in storage[key] = value } }
    func get(_ key: Key) -> [UInt8]? { mutex.withLock { _ in storage[key] } }
}

private func temporaryDirectory() -> String {
    var template = Array("/tmp/quiver-bench-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
}

private func vector(_ i: Int, dimension: Int) -> [Float] {
    var state = UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15 &+ 1
    return (0..<dimension).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Float(state >> 40) / Float(1 << 24) - 0.5
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal], timeUnits: .nanoseconds, maxDuration: .seconds(2),
        maxIterations: 10_000_000)

    let value = [UInt8](repeating: 42, count: 200)
    let all = keys()

    Benchmark("cache get hit", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let database = try Database.inMemory()
        let cache = try database.createCache("bench", configuration: CacheConfiguration(maxEntries: keyCount * 2, persistent: false))
        for key in all { try cache.set(value, forKey: key) }
        benchmark.startMeasurement()
        var i = 0
        for _ in benchmark.scaledIterations {
            blackHole(cache.get(all[i]))
            i = i == keyCount - 1 ? 0 : i + 1
        }
        benchmark.stopMeasurement()
        try database.close()
    }

    Benchmark("dictionary behind a mutex get hit", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let dictionary = LockedDictionary()
        for key in all { dictionary.set(key, value) }
        benchmark.startMeasurement()
        var i = 0
        for _ in benchmark.scaledIterations {
            blackHole(dictionary.get(all[i]))
            i = i == keyCount - 1 ? 0 : i + 1
        }
        benchmark.stopMeasurement()
    }

    let dimension = 384
    let vectors = (0..<2_000).map { vector($0, dimension: dimension) }
    func openDatabase() throws -> (Database, String) {
        var configuration = DatabaseConfiguration()
        configuration.durability = .interval(milliseconds: 1000)
        configuration.backgroundMaintenance = false
        let directory = temporaryDirectory()
        let database = try Database.open(at: directory, configuration: configuration)
        try database.createCollection("search", options: CollectionOptions(dimension: dimension, metric: .cosine))
        return (database, directory)
    }

    Benchmark("vector upsert 384-d durability=interval", configuration: .init(maxIterations: 2_000)) { benchmark in
        let (database, directory) = try openDatabase()
        let collection = try database.collection("search")
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            try collection.upsert(Key("character:\(i)"), vector: vectors[i % vectors.count], attributes: ["species": "human", "status": "alive"])
        }
        benchmark.stopMeasurement()
        try database.close()
        _ = system("rm -rf '\(directory)'")
    }

    Benchmark("entity upsert with 384-d embedding durability=interval", configuration: .init(maxIterations: 2_000)) { benchmark in
        let (database, directory) = try openDatabase()
        try database.entities.define(EntityTypeDefinition(name: "character", indexedAttributes: ["species", "status"]))
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            try database.entities.upsert(
                EntityRef(type: "character", id: "\(i)"), attributes: ["species": "human", "status": "alive"],
                embeddings: [EntityEmbedding(collection: "search", vector: vectors[i % vectors.count])])
        }
        benchmark.stopMeasurement()
        try database.close()
        _ = system("rm -rf '\(directory)'")
    }
}
