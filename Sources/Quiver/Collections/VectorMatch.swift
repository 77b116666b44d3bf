public import QuiverEngine
public import QuiverFilter

/// One result of a vector search.
public struct VectorMatch: Sendable, Hashable {
    /// The key the vector is stored under.
    public var key: Key
    /// Distance to the query under the collection's metric (smaller is nearer): `1 − cos` for
    /// cosine, squared Euclidean for l2, `−dot` for inner product.
    public var distance: Float
    /// The vector's attributes as stored (meant to be JSON), when the search asked for them.
    public var rawAttributes: [UInt8]?

    /// The attributes parsed as JSON, or `nil` when there are none or they are not JSON.
    public var attributes: JSONValue? { rawAttributes.flatMap { try? JSONValue(parsing: $0) } }
}

/// A vector read back by key.
public struct VectorRecord: Sendable, Hashable {
    /// Its key.
    public var key: Key
    /// The vector as written (decoded for quantized collections without originals).
    public var vector: [Float]
    /// Its attributes as stored.
    public var rawAttributes: [UInt8]?

    /// The attributes parsed as JSON, or `nil` when there are none or they are not JSON.
    public var attributes: JSONValue? { rawAttributes.flatMap { try? JSONValue(parsing: $0) } }
}

/// What a collection holds, for listing and monitoring.
public struct CollectionInfo: Sendable, Hashable {
    /// Its name.
    public var name: String
    /// Its options.
    public var options: CollectionOptions
    /// Live vectors.
    public var count: Int
    /// Segment files it is stored in, beside the in-memory part.
    public var segments: Int
    /// Bytes of those segment files (mapped, not read into memory).
    public var segmentBytes: Int
    /// Bytes of memory its writable part holds (flushed to a segment past the memory budget).
    public var memoryBytes: Int
}
