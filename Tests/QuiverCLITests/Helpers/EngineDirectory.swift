import Foundation
import QuiverEngine
import QuiverTestSupport

/// A data directory written by the engine, for the data-directory tools' tests.
///
/// Collection `docs` (dimension 8, l2, m 8): rows `k0`..`k119` flushed into a first segment; then
/// `k0`..`k9` deleted and `k120`..`k159` added, flushed into a second segment (10 tombstones);
/// then `k160`..`k164`, one batch each, left in the newest log as a crash would leave them.
struct EngineDirectory {
    static let collection = "docs"
    static let dimension = 8
    /// Live rows after recovery.
    static let liveRows = 155
    /// Records in the newest log after the checkpoint.
    static let unflushedRecords = 5

    let directory: TemporaryDirectory
    var path: String { directory.path("db") }

    init() throws {
        directory = try TemporaryDirectory()
        let data = ClusteredDataset(count: 165, queryCount: 1, dimension: Self.dimension, clusters: 4, seed: 7)
        func vector(_ i: Int) -> [Float] { Array(data.train[i * Self.dimension..<(i + 1) * Self.dimension]) }
        var options = EngineOptions()
        options.backgroundMaintenance = false
        let engine = try StorageEngine.open(directory: directory.path("db"), options: options)
        var definition = CollectionDefinition(name: Self.collection, dimension: Self.dimension, metric: .l2)
        definition.index.m = 8
        definition.index.efConstruction = 32
        try engine.createCollection(definition)
        var batch = WriteBatch()
        for i in 0..<120 { batch.upsert("k\(i)", vector: vector(i), in: Self.collection) }
        try engine.write(batch)
        try engine.flush()
        batch = WriteBatch()
        for i in 0..<10 { batch.delete("k\(i)", in: Self.collection) }
        for i in 120..<160 {
            batch.upsert("k\(i)", vector: vector(i), attributes: Array("{\"i\":\(i)}".utf8), in: Self.collection)
        }
        try engine.write(batch)
        try engine.flush()
        for i in 160..<165 { try engine.upsert("k\(i)", vector: vector(i), in: Self.collection) }
        try engine.abandonForTesting()
    }

    /// The path of `name` in the data directory.
    func file(_ name: String) -> String { directory.path("db/\(name)") }

    /// The data directory's file names, sorted.
    func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    /// The names of the files of `suffix`, sorted.
    func names(endingIn suffix: String) throws -> [String] { try names().filter { $0.hasSuffix(suffix) } }

    /// Every file's bytes, by name.
    func snapshot() throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try names() { files[name] = try Data(contentsOf: URL(fileURLWithPath: file(name))) }
        return files
    }

    /// Flips the bits of the byte at `offset` of file `name`.
    func flipByte(in name: String, at offset: Int) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file(name)))
        bytes[offset] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: file(name)))
    }

    /// Cuts file `name` to `size` bytes.
    func truncate(_ name: String, to size: Int) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file(name)))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
    }

    /// The size of file `name`.
    func size(of name: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: file(name))[.size] as? Int) ?? -1
    }
}
