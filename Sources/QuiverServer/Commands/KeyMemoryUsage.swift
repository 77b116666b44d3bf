internal import Quiver
internal import QuiverRESP

/// `MEMORY USAGE key [SAMPLES n]`: an estimate, in bytes, of what the key costs quiverd.
///
/// - A string: the heap blocks of its key and value bytes (Swift arrays: a 32-byte header, the
///   bytes, rounded up to glibc's 16-byte chunks with their 8-byte header), its slot in the
///   strings table (32 bytes), its share of the table's hash index (16 bytes at the table's
///   load) and of the eviction order (9 bytes). The durable copy in the log and segment files is
///   on disk, not counted.
/// - A vector set: per element, its stored vector (plus the f32 original that quantized sets
///   keep for re-ranking), its HNSW node (12 bytes and 2M neighbour ids on layer 0, and the
///   expected 1/(M-1) upper-layer blocks of M ids), its row and key-map entry (64 bytes), and the
///   average key and attribute bytes of `SAMPLES` elements (default 5, 0 for all); plus a
///   projection matrix for a `REDUCE` set. Vectors in flushed segments are memory-mapped: they
///   are counted as if resident.
///
/// Redis counts its own structures (`MEMORY USAGE` of a 3-byte string under a 3-byte key is
/// 64 in Redis 7.0, 153 here): the numbers are comparable between keys of one server, not across servers.
enum KeyMemoryUsage {
    static let spec = CommandSpec(
        "MEMORY", arity: -2, flags: [], group: "server", summary: "A container for memory diagnostics commands.",
        since: "4.0.0", complexity: "Depends on subcommand.", subcommands: [usage]
    ) { _ throws(CommandError) in throw .syntax }

    static let usage = CommandSpec(
        "MEMORY|USAGE", arity: -3, flags: [.readonly], keys: (2, 2, 1), group: "server",
        summary: "Estimates the memory usage of a key.", since: "4.0.0",
        complexity: "O(N) where N is the number of samples."
    ) { context throws(CommandError) in
        var samples = 5
        var index = 3
        let arguments = context.arguments
        while index < arguments.count {
            guard CommandArguments.matches(arguments[index], "SAMPLES"), index + 1 < arguments.count else {
                throw .syntax
            }
            let value = try context.integer(index + 1)
            guard value >= 0 else { throw .syntax }
            samples = value == 0 ? .max : Int(min(value, Int64(Int.max)))
            index += 2
        }
        let key = context.key(2)
        if let entry = try context.stringTable().peek(key) {
            return .integer(Int64(stringBytes(key: key.bytes.count, value: entry.value.count)))
        }
        guard let info = context.daemon.vectorSets.info(context.connection.database, key) else {
            return .nullBulkString
        }
        return .integer(Int64(try vectorSetBytes(info, samples: samples, database: context.database)))
    }

    /// The glibc chunk of a Swift array holding `count` bytes: a 32-byte header, the bytes, an
    /// 8-byte chunk header, rounded up to 16 (32 at least).
    static func arrayBytes(_ count: Int) -> Int { max(32, (32 + count + 8 + 15) & ~15) }

    /// What a string of `value` bytes under a key of `key` bytes costs.
    static func stringBytes(key: Int, value: Int) -> Int { arrayBytes(key) + arrayBytes(value) + 32 + 16 + 9 }

    /// What the vector set `info` costs, its key and attribute sizes averaged over `samples`
    /// elements.
    static func vectorSetBytes(_ info: VectorSetInfo, samples: Int, database: Database) throws(CommandError) -> Int {
        let snapshot = database.snapshot()
        let count: Int
        let sampled: [Key]
        do {
            count = try snapshot.count(in: info.collection)
            sampled = try snapshot.keys(in: info.collection, limit: samples)
        } catch { throw CommandError(error) }
        var keyBytes = 0
        var attributeBytes = 0
        for key in sampled {
            keyBytes += arrayBytes(key.bytes.count)
            if let attributes = try? snapshot.vector(key, in: info.collection)?.rawAttributes {
                attributeBytes += arrayBytes(attributes.count)
            }
        }
        let averageKey = sampled.isEmpty ? 0 : keyBytes / sampled.count
        let averageAttributes = sampled.isEmpty ? 0 : attributeBytes / sampled.count
        let m = max(info.m, 2)
        var element = info.quantization.encoding(dimension: info.dimension).bytesPerVector(dimension: info.dimension)
        if info.quantization != .noquant { element += 4 * info.dimension }
        element += 12 + 8 * m + (4 + 4 * m) / (m - 1)
        element += 64 + averageKey + averageAttributes
        let projection = info.projectionInputDimension * info.dimension * 4
        return count * element + projection + arrayBytes(info.collection.utf8.count)
    }
}
