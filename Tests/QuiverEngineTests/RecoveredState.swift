import QuiverEngine
import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

/// The logical content of one collection as the crash and fault tests compare it: whether the
/// collection exists and every row (vector and attributes) by key.
struct RecoveredState: Equatable, CustomStringConvertible {
    struct Row: Equatable {
        var vector: [Float]
        var attributes: [UInt8]?
    }

    var hasCollection = false
    var rows: [String: Row] = [:]

    var description: String {
        hasCollection ? "\(rows.count) rows [\(rows.keys.sorted().prefix(6).joined(separator: ","))…]" : "no collection"
    }

    /// The state after `operations` (applied in order; the collection must exist).
    func applying(_ operations: [WriteBatch.Operation]) -> RecoveredState {
        var next = self
        for operation in operations {
            switch operation {
            case .createCollection: next.hasCollection = true
            case .dropCollection:
                next.hasCollection = false
                next.rows = [:]
            case .upsert(_, let key, let vector, let attributes):
                next.rows[key.description] = Row(vector: vector, attributes: attributes)
            case .delete(_, let key): next.rows[key.description] = nil
            default: break
            }
        }
        return next
    }

    /// Reads `collection` from `engine` for the keys in `universe`, checking that the live count
    /// matches (no row outside the universe) and that sampled rows are their own nearest neighbour.
    static func read(
        _ engine: StorageEngine, collection: String, universe: some Sequence<String>, searchSample: Int = 8,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> RecoveredState {
        var state = RecoveredState()
        guard engine.collectionNames.contains(collection) else { return state }
        state.hasCollection = true
        for key in universe {
            if let stored = try engine.get(key, in: collection) {
                state.rows[key] = Row(vector: stored.vector, attributes: stored.attributes)
            }
        }
        let count = try engine.count(in: collection)
        #expect(
            count == state.rows.count, "live count \(count) but \(state.rows.count) rows by key",
            sourceLocation: sourceLocation)
        for (key, row) in state.rows.sorted(by: { $0.key < $1.key }).prefix(searchSample) {
            let hits = try engine.search(row.vector, k: 3, ef: 64, in: collection)
            #expect(
                hits.first?.distance == 0 && hits.contains { $0.key == Key(key) },
                "search for \(key)'s vector missed it: \(hits)",
                sourceLocation: sourceLocation)
        }
        return state
    }
}

extension EngineOptions {
    /// Options for the crash and fault tests: durability `always`, no background work, `fileIO`.
    static func crashTest(fileIO: any FileIO) -> EngineOptions {
        var options = EngineOptions()
        options.backgroundMaintenance = false
        options.wal.durability = .always
        options.fileIO = fileIO
        return options
    }
}

/// A deterministic vector for row `index` of the crash and fault workloads.
func workloadVector(_ index: Int, dimension: Int = 8, salt: UInt64 = 0) -> [Float] {
    var generator = SeededGenerator(seed: UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ salt)
    return (0..<dimension).map { _ in generator.nextGaussian() }
}

/// A collection definition for the crash and fault workloads (small graph parameters).
func workloadDefinition(_ name: String = "items", dimension: Int = 8) -> CollectionDefinition {
    var definition = CollectionDefinition(name: name, dimension: dimension, metric: .l2)
    definition.index.m = 8
    definition.index.efConstruction = 32
    return definition
}

/// A SimFS holding the empty, durable directory `/db`.
func freshDataDirectoryFS() -> SimFS {
    let fs = SimFS()
    try! fs.createDirectory("/db")
    try! fs.synchronizeDirectory("/")
    return fs
}
