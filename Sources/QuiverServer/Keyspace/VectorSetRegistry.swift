internal import Quiver
internal import QuiverIndex
internal import Synchronization

/// How a vector set stores its vectors (VADD's `Q8`, `NOQUANT`, `BIN`).
enum VectorQuantization: UInt8, Sendable, Hashable {
    case q8 = 0, noquant = 1, binary = 2

    /// What `VINFO` and `VEMB RAW` call it.
    var name: String {
        switch self {
        case .q8: "int8"
        case .noquant: "f32"
        case .binary: "bin"
        }
    }

    /// The collection encoding: quantized sets keep the f32 vectors too and re-rank with them.
    /// The engine's int8 kernels stop at 32768 dimensions; larger Q8 sets store f32.
    func encoding(dimension: Int) -> VectorEncoding {
        switch self {
        case .q8: dimension <= 32768 ? .i8 : .f32
        case .noquant: .f32
        case .binary: .binary
        }
    }
}

/// A vector set's parameters, where its vectors live, and the counters `VINFO` reports.
struct VectorSetInfo: Sendable, Hashable {
    /// The collection holding the elements (named by the server, never by a client).
    var collection: String
    var quantization: VectorQuantization
    /// The M clients asked for (4...4096; every later `VADD` must repeat it). The graph uses
    /// at most 128 (``graphM``).
    var m: Int
    /// Stored dimension (the REDUCE target for a projected set).
    var dimension: Int
    /// Dimension of the vectors clients send to a projected set; 0 without REDUCE.
    var projectionInputDimension: Int
    /// `VINFO vset-uid`: a counter of sets created, as Redis keeps one (1 for the first; Redis
    /// counts from 0, so `VINFO` reports one less).
    var uid: UInt64
    /// `VINFO attributes-count`: elements that have an attribute.
    var attributeCount: Int = 0
    /// `VINFO hnsw-max-node-uid`: one per element inserted or updated, as Redis numbers nodes.
    var lastNodeUID: UInt64 = 0

    /// The M of the collection's graph: the engine's graphs keep at most 128 links per layer.
    var graphM: Int { min(m, 128) }

    /// Whether the set was created with REDUCE.
    var isProjected: Bool { projectionInputDimension > 0 }

    /// `u8` version 2, collection, quantization, `u32` M, `u32` dimension, `u32` input dimension,
    /// `u64` uid, `u64` attribute count, `u64` last node uid. Version 1 ended after the uid.
    var encoded: [UInt8] {
        var writer = BinaryWriter()
        writer.write(UInt8(2))
        writer.write(collection)
        writer.write(quantization.rawValue)
        writer.write(UInt32(m))
        writer.write(UInt32(dimension))
        writer.write(UInt32(projectionInputDimension))
        writer.write(uid)
        writer.write(UInt64(attributeCount))
        writer.write(lastNodeUID)
        return writer.bytes
    }

    init(
        collection: String, quantization: VectorQuantization, m: Int, dimension: Int, projectionInputDimension: Int,
        uid: UInt64
    ) {
        self.collection = collection
        self.quantization = quantization
        self.m = m
        self.dimension = dimension
        self.projectionInputDimension = projectionInputDimension
        self.uid = uid
    }

    init(decoding bytes: [UInt8]) throws(EngineError) {
        var reader = BinaryReader(bytes, context: "vector set registry entry")
        let version = try reader.read(UInt8.self)
        guard version == 1 || version == 2 else {
            throw EngineError(.unsupported, "vector set registry entry of a newer format")
        }
        collection = try reader.readString()
        guard let quantization = VectorQuantization(rawValue: try reader.read(UInt8.self)) else {
            throw EngineError(.corruption, "vector set registry entry: unknown quantization")
        }
        self.quantization = quantization
        m = Int(try reader.read(UInt32.self))
        dimension = Int(try reader.read(UInt32.self))
        projectionInputDimension = Int(try reader.read(UInt32.self))
        uid = try reader.read(UInt64.self)
        if version >= 2 {
            attributeCount = Int(clamping: try reader.read(UInt64.self))
            lastNodeUID = try reader.read(UInt64.self)
        }
        try reader.finish()
    }
}

/// Which keys of the sixteen logical databases are vector sets, and their parameters: a table of
/// the database (key: the logical database's number then the key's bytes), loaded into memory.
///
/// A set is created by the `VADD` that adds its first element, in one batch with it, and dropped
/// with its last element or by `DEL` (Redis never keeps an empty set).
final class VectorSetRegistry: Sendable {
    static let table = "quiver.server.vector-sets"

    private struct State {
        var sets: [[Key: VectorSetInfo]] = Array(repeating: [:], count: 16)
        var lastUID: UInt64 = 0
    }

    private let state = Locked(State())
    /// Bit `db` is set while logical database `db` holds a vector set: every string write asks
    /// whether its key is one, and in a database without sets the answer needs no lock.
    private let occupied = Atomic<UInt32>(0)
    /// Serialise the commands that change a set (``withKeyLock(_:_:_:)``), by key hash.
    private let keyLocks: [Locked<Void>] = (0..<64).map { _ in Locked(()) }

    /// Loads the registry of `database`, creating its table when missing.
    func load(from database: Database) throws {
        let engine = database.engine
        if !engine.tableNames.contains(Self.table) { try engine.createTable(TableDefinition(name: Self.table)) }
        var loaded = State()
        try engine.snapshot().scan(Self.table) { record in
            guard let db = record.key.bytes.first, db < 16 else { return true }
            let info = try VectorSetInfo(decoding: record.value)
            loaded.sets[Int(db)][Key(Array(record.key.bytes.dropFirst()))] = info
            loaded.lastUID = max(loaded.lastUID, info.uid)
            return true
        }
        mutate { $0 = loaded }
    }

    /// Changes the state under its lock and republishes which databases hold sets.
    private func mutate<T>(_ body: (inout State) -> T) -> T {
        state.withLock { state in
            let result = body(&state)
            var mask: UInt32 = 0
            for (db, sets) in state.sets.enumerated() where !sets.isEmpty { mask |= 1 << UInt32(db) }
            occupied.store(mask, ordering: .releasing)
            return result
        }
    }

    /// The registry key of `key` in logical database `db`.
    static func registryKey(_ db: Int, _ key: Key) -> Key { Key([UInt8(db)] + key.bytes) }

    /// The vector set under `key`, if it is one.
    func info(_ db: Int, _ key: Key) -> VectorSetInfo? {
        guard occupied.load(ordering: .acquiring) & (1 << UInt32(db)) != 0 else { return nil }
        return state.withLock { $0.sets[db][key] }
    }

    /// Every vector-set key of `db`.
    func keys(_ db: Int) -> [Key] { state.withLock { Array($0.sets[db].keys) } }

    /// How many vector sets `db` holds.
    func count(_ db: Int) -> Int { state.withLock { $0.sets[db].count } }

    /// A uid and a collection name for a new set.
    func reserve(_ db: Int) -> (uid: UInt64, collection: String) {
        state.withLock { state in
            state.lastUID += 1
            return (state.lastUID, "quiver.server.vset.\(db).\(state.lastUID)")
        }
    }

    /// Records a set created by a committed batch (the caller wrote the registry entry in it).
    func didCreate(_ db: Int, _ key: Key, _ info: VectorSetInfo) { mutate { $0.sets[db][key] = info } }

    /// Records a set's new counters after a committed batch wrote its entry (``entry(_:_:_:into:)``).
    func didUpdate(_ db: Int, _ key: Key, _ info: VectorSetInfo) {
        state.withLock { state in
            if state.sets[db][key]?.uid == info.uid { state.sets[db][key] = info }
        }
    }

    /// Runs `body` holding the lock of `key` in `db`: `VADD`, `VREM` and `VSETATTR` read the set,
    /// check, and commit under it, so that their checks (the element exists, the set becomes
    /// empty) and the registry's counters hold when their batch lands.
    func withKeyLock<T, E: Error>(_ db: Int, _ key: Key, _ body: () throws(E) -> T) throws(E) -> T {
        var hasher = Hasher()
        hasher.combine(db)
        hasher.combine(key)
        let lock = keyLocks[Int(UInt(bitPattern: hasher.finalize()) % UInt(keyLocks.count))]
        return try lock.withLock { () throws(E) -> T in try body() }
    }

    /// Drops the set under `key` in `db` (for `DEL`, `UNLINK`): its collection and registry entry
    /// in one batch, under the key's lock so that no `VADD`, `VREM` or `VSETATTR` runs between
    /// the batch and the registry's update.
    ///
    /// - Returns: Whether there was a set.
    /// - Throws: The engine's error when the batch fails (the set is then unchanged).
    @discardableResult
    func drop(_ db: Int, _ key: Key, in engine: StorageEngine) throws(EngineError) -> Bool {
        try withKeyLock(db, key) { () throws(EngineError) -> Bool in
            guard let info = info(db, key) else { return false }
            var batch = WriteBatch()
            Self.removal(db, key, info, into: &batch)
            try engine.write(batch)
            didDrop(db, key)
            return true
        }
    }

    /// Records a set dropped by a committed batch.
    func didDrop(_ db: Int, _ key: Key) { mutate { _ = $0.sets[db].removeValue(forKey: key) } }

    /// Forgets every set of every database (after `FLUSHALL` dropped them).
    func didDropAll() { mutate { state in state.sets = Array(repeating: [:], count: 16) } }

    /// The batch operations that create a set: its collection and its registry entry.
    static func creation(_ db: Int, _ key: Key, _ info: VectorSetInfo, into batch: inout WriteBatch) {
        var index = HNSWConfiguration(dimension: info.dimension, metric: .cosine)
        index.encoding = info.quantization.encoding(dimension: info.dimension)
        index.m = info.graphM
        batch.createCollection(CollectionDefinition(name: info.collection, index: index))
        entry(db, key, info, into: &batch)
    }

    /// The batch operation that stores a set's registry entry (its counters changed).
    static func entry(_ db: Int, _ key: Key, _ info: VectorSetInfo, into batch: inout WriteBatch) {
        batch.put(info.encoded, forKey: registryKey(db, key), in: table)
    }

    /// The batch operations that drop a set.
    static func removal(_ db: Int, _ key: Key, _ info: VectorSetInfo, into batch: inout WriteBatch) {
        batch.dropCollection(info.collection)
        batch.remove(registryKey(db, key), in: table)
    }
}
