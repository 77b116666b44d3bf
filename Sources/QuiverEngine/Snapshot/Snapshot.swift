internal import HashTreeCollections
/// A consistent, read-only view of a data directory as of one write: every read through it sees
/// exactly the writes up to ``sequence``, whatever writers do meanwhile, and never waits for them.
///
/// Take one with ``StorageEngine/snapshot()``; it is cheap (a few reference copies) and may be
/// kept and shared between threads. Records expire by the engine's wall clock at read time.
///
/// Searches see the rows live in the snapshot; a row replaced or deleted after the snapshot may
/// already be gone from the graph, so a long-lived snapshot's search can miss it (never return
/// a row the snapshot does not hold).
public struct Snapshot: Sendable {
    let state: DatabaseState
    let wallClock: @Sendable () -> Int64

    /// The sequence number of the last write the snapshot includes.
    public var sequence: UInt64 { state.sequence }

    /// The collections' names, sorted.
    public var collectionNames: [String] { state.collections.keys.sorted() }

    /// The tables' names, sorted.
    public var tableNames: [String] { state.tables.keys.sorted() }

    // MARK: Collections

    /// The definition of `collection`.
    public func definition(of collection: String) throws(EngineError) -> CollectionDefinition {
        try state.collection(collection).definition
    }

    /// The vector and attributes stored under `key`, or `nil`.
    public func get(_ key: Key, in collection: String) throws(EngineError) -> StoredVector? {
        try state.collection(collection).get(key.bytes, asOf: state.sequence)
    }

    /// Whether `collection` holds `key`.
    public func contains(_ key: Key, in collection: String) throws(EngineError) -> Bool {
        try state.collection(collection).locate(key.bytes, asOf: state.sequence) != nil
    }

    /// The attributes of `key`'s vector: `nil` when the key is absent, `.some(nil)` when it has none.
    public func attributes(of key: Key, in collection: String) throws(EngineError) -> [UInt8]?? {
        try state.collection(collection).attributes(key.bytes, asOf: state.sequence)
    }

    /// Number of live vectors in `collection`.
    public func count(in collection: String) throws(EngineError) -> Int {
        try state.collection(collection).count(asOf: state.sequence)
    }

    /// The `k` nearest vectors to `query` in `collection`, nearest first.
    ///
    /// - Parameters:
    ///   - ef: candidates explored per part; default `max(k, 64)`.
    ///   - withAttributes: whether to return each hit's attributes.
    ///   - filter: when given, only vectors whose attributes it accepts are returned (vectors
    ///     without attributes get `nil`); it may be called from the calling thread only, for
    ///     many candidates.
    /// - Complexity: one graph search per part of the collection.
    public func search(
        _ query: [Float], k: Int, ef: Int? = nil, in collection: String, withAttributes: Bool = false,
        filter: (([UInt8]?) -> Bool)? = nil
    ) throws(EngineError) -> [SearchHit] {
        try state.collection(collection).search(
            query, k: k, ef: ef, withAttributes: withAttributes, asOf: state.sequence, filter: filter)
    }

    /// Calls `body` with the keys of `collection` in byte order, from the first key not less
    /// than `lowerBound`, until it returns `false`.
    public func forEachKey(in collection: String, from lowerBound: Key? = nil, _ body: (Key) -> Bool) throws(EngineError) {
        try state.collection(collection).forEachKey(from: lowerBound?.bytes, asOf: state.sequence) { body(Key($0)) }
    }

    // MARK: Tables

    /// The live record under `key` in `table`, or `nil` (absent, removed or expired).
    public func record(_ key: Key, in table: String) throws(EngineError) -> Record? {
        try state.table(table).record(key.bytes, now: wallClock())
    }

    /// Calls `body` with each live record of `table` whose key is at least `lowerBound` and below
    /// `upperBound`, in key order, until it returns `false`.
    ///
    /// - Complexity: O(parts × log n) to start, then O(parts) per record.
    public func scan(
        _ table: String, from lowerBound: Key? = nil, below upperBound: Key? = nil, _ body: (Record) throws -> Bool
    ) throws {
        try state.table(table).scan(from: lowerBound?.bytes, below: upperBound?.bytes, now: wallClock(), body)
    }

    /// Live records of `table` with keys starting with `prefix`, in key order, at most `limit`.
    public func records(in table: String, prefix: Key, limit: Int = .max) throws -> [Record] {
        var out: [Record] = []
        guard limit > 0 else { return out }
        try state.table(table).scan(from: prefix.bytes, below: Self.successor(ofPrefix: prefix.bytes), now: wallClock()) {
            out.append($0)
            return out.count < limit
        }
        return out
    }

    /// The smallest byte string greater than every string that starts with `prefix`, `nil` when
    /// there is none (the prefix is empty or all `0xFF`).
    static func successor(ofPrefix prefix: [UInt8]) -> [UInt8]? {
        var bytes = prefix
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        return nil
    }
}
