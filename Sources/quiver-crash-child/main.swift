// The process the crash-loop test kills (reliability spec T3): two writer threads doing upserts,
// deletes and multi-key batches against a data directory, reporting each write before and after
// it commits on standard output. See `CrashWorkload` for the protocol.
//
// Usage: quiver-crash-child DIRECTORY FIRST-VERSION SEED [OPS-PER-THREAD]
// Without OPS-PER-THREAD it writes until it is killed; with it, it closes the engine and exits 0.

import QuiverEngine
import QuiverStorage
import QuiverTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `line` and a newline to standard output with `write(2)` (nothing buffered in-process).
func emit(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let written = write(1, raw.baseAddress! + offset, raw.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                exit(4)
            }
            offset += written
        }
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 4, let firstVersion = UInt64(arguments[2]), let seed = UInt64(arguments[3]) else {
    emit("fail usage: quiver-crash-child DIRECTORY FIRST-VERSION SEED [OPS-PER-THREAD]")
    exit(64)
}
let opsPerThread = arguments.count > 4 ? Int(arguments[4]) : nil

var options = EngineOptions()
options.wal.durability = .always
// Small enough that a child living 50-600 ms flushes: a synced write costs about 4 ms on the CI
// disk, so a child commits only 100-300 writes (256 KiB of memtable would never fill; 16 KiB is
// about 100 rows).
options.flushThresholdBytes = 16 << 10
options.compactionTrigger = 3
options.backgroundMaintenance = true

let engine: StorageEngine
do {
    engine = try StorageEngine.open(directory: arguments[1], options: options)
    if !engine.collectionNames.contains(CrashWorkload.collection) {
        var definition = CollectionDefinition(
            name: CrashWorkload.collection, dimension: CrashWorkload.dimension, metric: .l2)
        definition.index.m = 8
        definition.index.efConstruction = 64
        try engine.createCollection(definition)
    }
    if !engine.tableNames.contains(CrashWorkload.table) {
        try engine.createTable(TableDefinition(name: CrashWorkload.table))
    }
} catch {
    emit("fail open \(error)")
    exit(2)
}
emit("ready \(engine.lastSequence)")

let base = firstVersion + firstVersion % 2
let threads = (0..<CrashWorkload.threads).map { thread in
    TestThread {
        var random = SeededGenerator(seed: seed &* 31 &+ UInt64(thread))
        var n: UInt64 = 0
        while opsPerThread.map({ n < $0 }) ?? true {
            let version = base + 2 * n + UInt64(thread)
            n += 1
            let roll = Int.random(in: 0..<100, using: &random)
            let op: String
            var keys: [Int]
            var batch = WriteBatch()
            if roll < 60 {
                op = "upsert"
                keys = [Int.random(in: 0..<CrashWorkload.keySpace, using: &random)]
            } else if roll < 75 {
                op = "delete"
                keys = [Int.random(in: 0..<CrashWorkload.keySpace, using: &random)]
            } else {
                op = "batch"
                var chosen: Set<Int> = []
                let size = Int.random(in: 2...5, using: &random)
                while chosen.count < size { chosen.insert(Int.random(in: 0..<CrashWorkload.keySpace, using: &random)) }
                keys = chosen.sorted()
            }
            for key in keys {
                if op == "delete" {
                    batch.delete(CrashWorkload.key(key), in: CrashWorkload.collection)
                    batch.remove(Key(CrashWorkload.key(key)), in: CrashWorkload.table)
                } else {
                    batch.upsert(
                        CrashWorkload.key(key), vector: CrashWorkload.vector(key: key, version: version),
                        attributes: CrashWorkload.attributes(version: version), in: CrashWorkload.collection)
                    batch.put(CrashWorkload.attributes(version: version), forKey: Key(CrashWorkload.key(key)), in: CrashWorkload.table)
                }
            }
            let names = keys.map(CrashWorkload.key).joined(separator: " ")
            emit("pending \(thread) \(op) \(names) \(version)")
            do {
                let sequence = try engine.write(batch)
                emit("ack \(sequence) \(op) \(names) \(version)")
            } catch {
                emit("fail \(thread) \(error)")
                exit(3)
            }
        }
    }
}
threads.forEach { $0.join() }
do {
    try engine.close()
} catch {
    emit("fail close \(error)")
    exit(3)
}
emit("closed")
