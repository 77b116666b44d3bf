internal import Synchronization

extension HNSWIndex {
    // MARK: Distances to stored vectors

    /// The distance between two stored vectors under the index's metric, as a search reports it.
    ///
    /// Uses the f32 originals when the index keeps them for re-ranking, else the stored encoding
    /// (for cosine, `1 - cos`; for inner product, `-dot`; for binary without re-ranking, the
    /// Hamming distance). Safe during inserts, deletes and purges.
    ///
    /// - Returns: the distance, or `nil` when either id names no live vector.
    /// - Complexity: O(dimension).
    public func distance(between a: UInt32, and b: UInt32) -> Float? {
        let e = epoch.enter()
        defer { epoch.exit(e) }
        let limit = highWater.load(ordering: .acquiring)
        guard Int(a) < limit, Int(b) < limit, state(of: a) == .live, state(of: b) == .live else { return nil }
        if let originals {
            return space.exactDistance(
                originals.slot(Int(a)).assumingMemoryBound(to: Float.self),
                originals.slot(Int(b)).assumingMemoryBound(to: Float.self))
        }
        return space.distance(vector(at: a), vector(at: b))
    }

    /// The distance from `query` to the stored vector with `id`: the distance a search that finds
    /// `id` reports for it.
    ///
    /// Uses the f32 originals when the index keeps them for re-ranking, else `query` encoded like
    /// the stored vectors. Safe during inserts, deletes and purges.
    ///
    /// - Returns: the distance, or `nil` when `id` names no live vector.
    /// - Throws: `IndexError.invalidArgument` for a wrong dimension or a non-finite element.
    /// - Complexity: O(dimension).
    public func distance(from query: UnsafeBufferPointer<Float>, to id: UInt32) throws(IndexError) -> Float? {
        try validate(query, dimension: dimension)
        let e = epoch.enter()
        defer { epoch.exit(e) }
        let limit = highWater.load(ordering: .acquiring)
        guard Int(id) < limit, state(of: id) == .live else { return nil }
        return contexts.withContext(nodeCount: limit) { context in
            space.prepare(query, into: context.prepared)
            if let originals {
                return space.exactDistance(
                    context.prepared, originals.slot(Int(id)).assumingMemoryBound(to: Float.self))
            }
            space.encode(UnsafeBufferPointer(start: context.prepared, count: dimension), into: context.encoded)
            return space.distance(context.encoded, vector(at: id))
        }
    }

    /// The distance from `query` to the stored vector with `id`.
    ///
    /// - Throws: see ``distance(from:to:)-(UnsafeBufferPointer<Float>,_)``.
    public func distance(from query: [Float], to id: UInt32) throws(IndexError) -> Float? {
        try query.withUnsafeBufferPointer { (q) throws(IndexError) -> Float? in try distance(from: q, to: id) }
    }
}
