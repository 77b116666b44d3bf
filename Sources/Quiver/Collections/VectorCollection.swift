public import QuiverEngine

/// A vector collection of a ``Database``: a long-lived, `Sendable` handle. Each call reads a
/// fresh snapshot or commits its own one-operation batch; use ``Database/write(_:)-(_)`` to
/// change several things atomically and ``Database/snapshot()`` for several consistent reads.
public struct VectorCollection: Sendable {
    /// The collection's name.
    public let name: String
    let database: Database

    // MARK: Writing

    /// Inserts or replaces the vector under `key`, with optional JSON attributes.
    ///
    /// - Throws: ``QuiverError`` `invalidArgument` (wrong dimension, NaN, attributes over 16 MiB).
    public func upsert(_ key: Key, vector: [Float], attributes: JSONValue? = nil) throws(QuiverError) {
        try database.commitOne { $0.upsert(key, vector: vector, attributes: attributes, in: name) }
    }

    /// Inserts or replaces the vector under the UTF-8 bytes of `key`.
    public func upsert(_ key: String, vector: [Float], attributes: JSONValue? = nil) throws(QuiverError) {
        try upsert(Key(key), vector: vector, attributes: attributes)
    }

    /// Inserts or replaces the vector under `key` with attribute bytes stored verbatim.
    public func upsert(_ key: Key, vector: [Float], rawAttributes: [UInt8]?) throws(QuiverError) {
        try database.commitOne { $0.upsert(key, vector: vector, rawAttributes: rawAttributes, in: name) }
    }

    /// Deletes the vector under `key` (nothing when absent).
    public func delete(_ key: Key) throws(QuiverError) {
        try database.commitOne { $0.delete(key, in: name) }
    }

    /// Replaces the attributes of the vector under `key` (nothing when absent).
    public func setAttributes(_ attributes: JSONValue?, of key: Key) throws(QuiverError) {
        try database.commitOne { $0.setAttributes(attributes, of: key, in: name) }
    }

    // MARK: Reading

    /// The vector under `key`, or `nil`.
    public func get(_ key: Key) throws(QuiverError) -> VectorRecord? { try database.snapshot().vector(key, in: name) }

    /// The vector under the UTF-8 bytes of `key`, or `nil`.
    public func get(_ key: String) throws(QuiverError) -> VectorRecord? { try get(Key(key)) }

    /// The `k` vectors nearest to `query`; see ``DatabaseSnapshot/search(_:k:ef:filter:includeAttributes:in:)-(_,_,_,String?,_,_)``.
    public func search(
        _ query: [Float], k: Int = 10, ef: Int? = nil, filter: String? = nil, includeAttributes: Bool = false
    ) throws(QuiverError) -> [VectorMatch] {
        try database.snapshot().search(query, k: k, ef: ef, filter: filter, includeAttributes: includeAttributes, in: name)
    }

    /// The `k` vectors nearest to the one under `key`.
    public func search(
        similarTo key: Key, k: Int = 10, ef: Int? = nil, filter: String? = nil, includeAttributes: Bool = false
    ) throws(QuiverError) -> [VectorMatch] {
        try database.snapshot().search(similarTo: key, k: k, ef: ef, filter: filter, includeAttributes: includeAttributes, in: name)
    }

    /// Number of live vectors.
    ///
    /// - Throws: ``QuiverError`` `notFound` when the collection was dropped since this handle
    ///   was made.
    public func vectorCount() throws(QuiverError) -> Int { try database.snapshot().count(in: name) }

    /// Options, count and storage of the collection.
    public func describe() throws(QuiverError) -> CollectionInfo { try database.describeCollection(name) }
}

extension Database {
    /// Commits a batch of what `body` adds (which must not throw).
    func commitOne(_ body: (inout Batch) -> Void) throws(QuiverError) {
        var batch = Batch(clock: configuration.wallClock, noteIDs: noteIDs)
        body(&batch)
        try commit(batch)
    }
}
