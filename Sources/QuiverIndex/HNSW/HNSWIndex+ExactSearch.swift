internal import Synchronization

extension HNSWIndex {
    // MARK: Exact search

    /// The exact `k` nearest live vectors to `query` among the ids `filter` accepts (all live ids
    /// when `nil`), nearest first: a linear scan, the ground truth a graph search approximates.
    ///
    /// Distances are the ones a search reports: from the f32 originals when the index keeps them,
    /// else from the stored encoding. Safe during inserts, deletes and purges, like a search.
    ///
    /// - Parameter filter: called with internal ids from the calling thread; it must not call
    ///   back into the index.
    /// - Throws: `IndexError.invalidArgument` for a wrong dimension, a non-finite element or
    ///   `k < 1`.
    /// - Complexity: O(n × dimension) for n ids handed out.
    public func exactSearch(
        _ query: UnsafeBufferPointer<Float>, k: Int, filter: ((UInt32) -> Bool)? = nil
    ) throws(IndexError) -> [SearchResult] {
        guard k >= 1 else { throw .invalidArgument("k must be at least 1, got \(k)") }
        try validate(query, dimension: dimension)
        let e = epoch.enter()
        defer { epoch.exit(e) }
        let limit = highWater.load(ordering: .acquiring)
        guard limit > 0 else { return [] }
        return contexts.withContext(nodeCount: limit) { context in
            space.prepare(query, into: context.prepared)
            space.encode(UnsafeBufferPointer(start: context.prepared, count: dimension), into: context.encoded)
            context.results.removeAll()
            for i in 0..<limit {
                let id = UInt32(i)
                guard state(of: id) == .live else { continue }
                if let filter, !filter(id) { continue }
                let d: Float
                if let originals {
                    d = space.exactDistance(context.prepared, originals.slot(i).assumingMemoryBound(to: Float.self))
                } else {
                    d = space.distance(context.encoded, vector(at: id))
                }
                if context.results.count < k {
                    context.results.push(Neighbor(distance: d, id: id))
                } else if d < context.results.top.distance {
                    context.results.pop()
                    context.results.push(Neighbor(distance: d, id: id))
                }
            }
            return context.results.drainAscending().map { SearchResult(id: $0.id, distance: $0.distance) }
        }
    }

    /// The exact `k` nearest live vectors to `query` that `filter` accepts.
    ///
    /// - Throws: see ``exactSearch(_:k:filter:)-(UnsafeBufferPointer<Float>,_,_)``.
    public func exactSearch(
        _ query: [Float], k: Int, filter: ((UInt32) -> Bool)? = nil
    ) throws(IndexError) -> [SearchResult] {
        try query.withUnsafeBufferPointer { (q) throws(IndexError) -> [SearchResult] in
            try exactSearch(q, k: k, filter: filter)
        }
    }
}
