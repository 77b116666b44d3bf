extension Snapshot {
    // MARK: Exact search and graph introspection (Redis vector sets' TRUTH, VEMB RAW, VLINKS, VINFO)

    /// The exact `k` nearest vectors to `query` in `collection`, nearest first: a linear scan of
    /// every live row, the ground truth ``search(_:k:ef:in:withAttributes:filter:)`` approximates.
    ///
    /// - Parameters:
    ///   - withAttributes: whether to return each hit's attributes.
    ///   - filter: when given, only vectors whose attributes it accepts are returned (vectors
    ///     without attributes get `nil`); called from the calling thread only.
    /// - Throws: ``EngineError`` `notFound` for an unknown collection, `invalidArgument` for a
    ///   query of the wrong dimension or with a non-finite element.
    /// - Complexity: O(n × dimension) for n rows.
    public func exactSearch(
        _ query: [Float], k: Int, in collection: String, withAttributes: Bool = false,
        filter: (([UInt8]?) -> Bool)? = nil
    ) throws(EngineError) -> [SearchHit] {
        try state.collection(collection).exactSearch(
            query, k: k, withAttributes: withAttributes, asOf: state.sequence, filter: filter)
    }

    /// The vector stored under `key` as the index keeps it (the unit vector of a cosine
    /// collection) and the length it had, or `nil` when `key` is absent.
    ///
    /// - Throws: ``EngineError`` `notFound` for an unknown collection.
    public func normalizedVector(of key: Key, in collection: String) throws(EngineError) -> NormalizedVector? {
        try state.collection(collection).normalizedVector(key.bytes, asOf: state.sequence)
    }

    /// The HNSW neighbours of `key`'s node on each layer it is on, its top layer first and layer 0
    /// last, with their distances to it; `nil` when `key` is absent.
    ///
    /// A collection's rows may live in several parts (the memtable and segments), each with its
    /// own graph: the lists are those of the part holding `key`.
    ///
    /// - Throws: ``EngineError`` `notFound` for an unknown collection.
    /// - Complexity: O(M × levels × dimension).
    public func graphNeighbors(of key: Key, in collection: String) throws(EngineError) -> [[GraphNeighbor]]? {
        try state.collection(collection).graphNeighbors(key.bytes, asOf: state.sequence)
    }

    /// The top layer of `collection`'s graphs (the highest over its parts), `nil` when none has a
    /// linked vector.
    ///
    /// - Throws: ``EngineError`` `notFound` for an unknown collection.
    public func graphMaxLevel(in collection: String) throws(EngineError) -> Int? {
        try state.collection(collection).graphMaxLevel
    }
}
