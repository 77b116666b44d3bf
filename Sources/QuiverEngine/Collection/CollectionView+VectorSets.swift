internal import QuiverIndex

/// A stored vector as the index keeps it: the unit vector of a cosine collection (the vector
/// itself for other metrics) and the length it had when it was written.
public struct NormalizedVector: Sendable, Hashable {
    /// The stored components: for cosine collections the unit vector (zeros for a zero vector),
    /// exact f32 for `.f32` collections and for quantised ones that keep originals.
    public var components: [Float]
    /// The vector's Euclidean length before normalisation (0 for a zero vector; 1 for metrics
    /// that do not normalise).
    public var norm: Float

    /// A stored vector of `components` and length `norm`.
    public init(components: [Float], norm: Float) {
        self.components = components
        self.norm = norm
    }
}

/// A neighbour of a stored vector in its part's HNSW graph.
public struct GraphNeighbor: Sendable, Hashable {
    /// The neighbour's key.
    public var key: Key
    /// The distance between the two stored vectors, as a search would report it.
    public var distance: Float

    /// A neighbour `key` at `distance`.
    public init(key: Key, distance: Float) {
        self.key = key
        self.distance = distance
    }
}

extension CollectionView {
    /// Whether memtable row `id` is the live row of its key in this view.
    func visibleMemtableRow(_ id: UInt32) -> MemRow? {
        guard let row = memtable.row(id), entries[row.key]?.id == id else { return nil }
        return row
    }

    /// The exact `k` nearest live vectors across every part, nearest first.
    func exactSearch(
        _ query: [Float], k: Int, withAttributes: Bool, asOf sequence: UInt64, filter: (([UInt8]?) -> Bool)?
    ) throws(EngineError) -> [SearchHit] {
        var hits: [(distance: Float, key: [UInt8], part: FrozenPart?, id: UInt32)] = []
        let memtable = self.memtable
        do {
            if memtable.index.count > 0 {
                let results = try memtable.index.exactSearch(query, k: k) { id in
                    guard let row = visibleMemtableRow(id) else { return false }
                    return filter?(row.attributes) ?? true
                }
                for result in results {
                    if let row = memtable.row(result.id) { hits.append((result.distance, row.key, nil, result.id)) }
                }
            }
            for part in frozen where part.liveCount(asOf: sequence) > 0 {
                let results = try part.index.exactSearch(query, k: k) { id in
                    guard part.isLive(id, asOf: sequence), part.key(of: id) != nil else { return false }
                    guard let filter else { return true }
                    return filter((try? part.attributes(of: id)) ?? nil)
                }
                for result in results {
                    if let key = part.key(of: result.id) { hits.append((result.distance, key, part, result.id)) }
                }
            }
        } catch { throw EngineError(error) }
        hits.sort { $0.distance < $1.distance }
        var out: [SearchHit] = []
        out.reserveCapacity(min(k, hits.count))
        for hit in hits.prefix(k) {
            var attributes: [UInt8]?
            if withAttributes {
                if let part = hit.part {
                    attributes = try part.attributes(of: hit.id)
                } else {
                    attributes = memtable.row(hit.id)?.attributes
                }
            }
            out.append(SearchHit(key: Key(hit.key), distance: hit.distance, attributes: attributes))
        }
        return out
    }

    /// The stored (normalised) vector of `key` and its length, `nil` when the key is absent.
    func normalizedVector(_ key: [UInt8], asOf sequence: UInt64) throws(EngineError) -> NormalizedVector? {
        do {
            switch locate(key, asOf: sequence) {
            case nil: return nil
            case .memtable(let id):
                guard let row = memtable.row(id) else { return nil }
                return NormalizedVector(
                    components: try memtable.index.vector(id, includingDeleted: true), norm: row.norm)
            case .part(let part, let id):
                return NormalizedVector(
                    components: try part.index.vector(id, includingDeleted: true), norm: part.norm(of: id))
            }
        } catch { throw EngineError(error) }
    }

    /// The graph neighbours of `key` on every layer its node is on, top layer first, within the
    /// part that holds it; `nil` when the key is absent.
    func graphNeighbors(_ key: [UInt8], asOf sequence: UInt64) -> [[GraphNeighbor]]? {
        switch locate(key, asOf: sequence) {
        case nil: return nil
        case .memtable(let id):
            let index = memtable.index
            return index.neighbors(of: id).map { layer in
                layer.compactMap { other -> GraphNeighbor? in
                    guard let row = visibleMemtableRow(other), let distance = index.distance(between: id, and: other)
                    else { return nil }
                    return GraphNeighbor(key: Key(row.key), distance: distance)
                }
            }
        case .part(let part, let id):
            let index = part.index
            return index.neighbors(of: id).map { layer in
                layer.compactMap { other -> GraphNeighbor? in
                    guard part.isLive(other, asOf: sequence), let key = part.key(of: other),
                        let distance = index.distance(between: id, and: other)
                    else { return nil }
                    return GraphNeighbor(key: Key(key), distance: distance)
                }
            }
        }
    }

    /// The highest graph layer of any part, `nil` when no part has a linked vector.
    var graphMaxLevel: Int? {
        var level = memtable.index.count > 0 ? memtable.index.maxLevel : nil
        for part in frozen where part.liveCount > 0 {
            if let partLevel = part.index.maxLevel { level = max(level ?? 0, partLevel) }
        }
        return level
    }
}
