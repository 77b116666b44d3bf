internal import Foundation
internal import QuiverEngine

/// `quiver bench --persist DIR`: the built index stored in a database directory, closed, and
/// reopened, timed the way a restarted service would see it.
package struct PersistRun: Sendable, Equatable {
    /// Seconds to open the directory and answer the first query.
    package var openSeconds: Double
    /// Bytes of every file in the directory after the close.
    package var indexFileBytes: Int
    /// Fraction of the first (up to) 100 queries whose top-k keys after the reopen equal the
    /// in-memory index's.
    package var agreement: Double

    /// Stores `index` (built from `rows` in row order, `ids[row]` its id) in a new collection at
    /// `directory`, closes, reopens and compares.
    ///
    /// - Throws: `CLIError.invalidArgument` when `directory` exists and is not empty;
    ///   `CLIError.io` or `.corruption` from the engine.
    static func measure(
        index: HNSWIndex, ids: [UInt32], directory: String, queries: Matrix<Float>, k: Int
    ) throws(CLIError) -> PersistRun {
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: directory), !existing.isEmpty {
            throw .invalidArgument("--persist directory \(directory) is not empty")
        }
        var options = EngineOptions()
        options.backgroundMaintenance = false
        var keys = [Key](repeating: Key([]), count: index.slotCount)
        for (row, id) in ids.enumerated() { keys[Int(id)] = Key(String(row)) }
        let clock = ContinuousClock()
        do {
            let engine = try StorageEngine.open(directory: directory, options: options)
            try engine.createCollection(CollectionDefinition(name: "bench", index: index.configuration))
            try engine.importIndex(index, keys: keys, into: "bench")
            try engine.close()

            let started = clock.now
            let reopened = try StorageEngine.open(directory: directory, options: options)
            _ = try reopened.search(Array(queries.row(0)), k: k, in: "bench")
            let openSeconds = (clock.now - started).seconds

            let compared = min(queries.rows, 100)
            var same = 0
            for q in 0..<compared {
                let query = Array(queries.row(q))
                let stored = try reopened.search(query, k: k, ef: max(k, 64), in: "bench").map(\.key)
                let memory = try index.search(query, k: k, ef: max(k, 64)).map { keys[Int($0.id)] }
                if stored == memory { same += 1 }
            }
            try reopened.close()
            let bytes = try FileManager.default.contentsOfDirectory(atPath: directory).reduce(0) { total, name in
                let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + name)
                return total + ((attributes[.size] as? Int) ?? 0)
            }
            return PersistRun(
                openSeconds: openSeconds, indexFileBytes: bytes, agreement: Double(same) / Double(max(compared, 1)))
        } catch let error as EngineError {
            switch error.code {
            case .corruption: throw .corruption(error.message)
            case .invalidArgument, .alreadyExists, .locked: throw .invalidArgument(error.message)
            default: throw .io(error.message)
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw .io("--persist: \(error)")
        }
    }
}
