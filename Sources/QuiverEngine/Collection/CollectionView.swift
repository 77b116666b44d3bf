internal import QuiverIndex

/// One search result: the key, its distance to the query, and its attributes when asked for.
public struct SearchHit: Sendable, Hashable {
    /// The key the vector was stored under.
    public var key: Key
    /// Distance to the query under the collection's metric (smaller is nearer).
    public var distance: Float
    /// The attributes stored with the vector, when the search asked for them and it has any.
    public var attributes: [UInt8]?
}

/// A stored vector read back by key.
public struct StoredVector: Sendable, Hashable {
    /// The vector as it was written (for cosine collections: the stored unit vector times the
    /// length it had; for quantised collections without originals: decoded).
    public var vector: [Float]
    /// The attributes stored with it, if any.
    public var attributes: [UInt8]?
}

/// A collection as one snapshot sees it: the memtable with the key map published up to the
/// snapshot, and the immutable parts, newest first.
struct CollectionView: Sendable {
    let definition: CollectionDefinition
    var memtable: MemTable
    /// Key → row (or delete) of every write published to the memtable.
    var entries = SortedMap<VectorEntry>()
    /// Rows of the memtable published, and how many of them are live.
    var publishedRows = 0
    var liveRows = 0
    /// Frozen memtables and segments, newest (highest number) first.
    var frozen: [FrozenPart]

    init(_ definition: CollectionDefinition, frozen: [FrozenPart] = []) throws(EngineError) {
        self.definition = definition
        memtable = try MemTable(definition)
        self.frozen = frozen.sorted { $0.number > $1.number }
    }

    /// Where `key`'s live row is for a snapshot at `sequence`.
    enum Location {
        case memtable(UInt32)
        case part(FrozenPart, UInt32)
    }

    func locate(_ key: [UInt8], asOf sequence: UInt64) -> Location? {
        if let entry = entries[key] { return entry.id.map(Location.memtable) }
        for part in frozen {
            switch part.lookup(key) {
            case .absent: continue
            case .deleted: return nil
            case .row(let id): return part.isLive(id, asOf: sequence) ? .part(part, id) : nil
            }
        }
        return nil
    }

    /// Number of live vectors.
    func count(asOf sequence: UInt64) -> Int {
        liveRows + frozen.reduce(0) { $0 + $1.liveCount(asOf: sequence) }
    }

    func get(_ key: [UInt8], asOf sequence: UInt64) throws(EngineError) -> StoredVector? {
        switch locate(key, asOf: sequence) {
        case nil: return nil
        case .memtable(let id):
            guard let row = memtable.row(id) else { return nil }
            return StoredVector(vector: try Self.scaled(memtable.index, id, by: row.norm), attributes: row.attributes)
        case .part(let part, let id):
            return StoredVector(vector: try Self.scaled(part.index, id, by: part.norm(of: id)), attributes: try part.attributes(of: id))
        }
    }

    private static func scaled(_ index: HNSWIndex, _ id: UInt32, by norm: Float) throws(EngineError) -> [Float] {
        var vector: [Float]
        do { vector = try index.vector(id, includingDeleted: true) } catch { throw EngineError(error) }
        if norm != 1 { for i in vector.indices { vector[i] *= norm } }
        return vector
    }

    /// The attributes of `key`'s live row (`.some(nil)` for a row without attributes).
    func attributes(_ key: [UInt8], asOf sequence: UInt64) throws(EngineError) -> [UInt8]?? {
        switch locate(key, asOf: sequence) {
        case nil: return nil
        case .memtable(let id): return .some(memtable.row(id)?.attributes)
        case .part(let part, let id): return .some(try part.attributes(of: id))
        }
    }

    /// The `k` nearest live vectors across every part, nearest first.
    ///
    /// - Parameter filter: when given, only rows whose attributes it accepts count (rows without
    ///   attributes get `nil`).
    func search(
        _ query: [Float], k: Int, ef: Int?, withAttributes: Bool, asOf sequence: UInt64,
        filter: (([UInt8]?) -> Bool)?
    ) throws(EngineError) -> [SearchHit] {
        var hits: [(distance: Float, key: [UInt8], part: FrozenPart?, id: UInt32)] = []
        do {
            try query.withUnsafeBufferPointer { (q) throws(EngineError) in
                try searchMemtable(q, k: k, ef: ef, asOf: sequence, filter: filter) { hits.append(($0, $1, nil, $2)) }
                for part in frozen where part.liveCount > 0 {
                    let results: [SearchResult]
                    let overlay = part.overlay
                    do {
                        if let filter {
                            if case .mapped(let mapped) = part.rows {
                                let all = try mapped.allAttributes()
                                results = try part.index.search(q, k: k, ef: ef) { id in
                                    !overlay.contains(id) && Int(id) < all.count && filter(all[Int(id)])
                                }
                            } else {
                                results = try part.index.search(q, k: k, ef: ef) { id in
                                    !overlay.contains(id) && filter((try? part.attributes(of: id)) ?? nil)
                                }
                            }
                        } else if overlay.count == 0 {
                            results = try part.index.search(q, k: k, ef: ef)
                        } else {
                            results = try part.index.search(q, k: k, ef: ef) { !overlay.contains($0) }
                        }
                    } catch { throw StorageEngine.wrap(error) }
                    for result in results {
                        if let key = part.key(of: result.id) { hits.append((result.distance, key, part, result.id)) }
                    }
                }
            }
        }
        hits.sort { $0.distance < $1.distance }
        var out: [SearchHit] = []
        out.reserveCapacity(min(k, hits.count))
        for hit in hits.prefix(k) {
            var attributes: [UInt8]?
            if withAttributes {
                attributes = try hit.part.map { (part) throws(EngineError) in try part.attributes(of: hit.id) } ?? memtable.row(hit.id)?.attributes
            }
            out.append(SearchHit(key: Key(hit.key), distance: hit.distance, attributes: attributes))
        }
        return out
    }

    /// Searches the memtable's index for rows this snapshot sees: the index may hold rows
    /// inserted by writes not yet published (or published after the snapshot), so it asks for
    /// that many more results and drops them, or filters them out when there are many.
    private func searchMemtable(
        _ q: UnsafeBufferPointer<Float>, k: Int, ef: Int?, asOf sequence: UInt64, filter: (([UInt8]?) -> Bool)?,
        _ emit: (Float, [UInt8], UInt32) -> Void
    ) throws(EngineError) {
        guard memtable.index.count > 0 else { return }
        let unseen = max(0, memtable.insertedRows.withLock { $0 } - publishedRows)
        let memtable = self.memtable
        let results: [SearchResult]
        do {
            if let filter {
                results = try memtable.index.search(q, k: k, ef: ef) { id in
                    guard case .some(let attributes) = memtable.visibleAttributes(id, asOf: sequence) else { return false }
                    return filter(attributes)
                }
            } else if unseen > 64 {
                results = try memtable.index.search(q, k: k, ef: ef) { memtable.isVisible($0, asOf: sequence) }
            } else {
                let wanted = k + unseen
                results = try memtable.index.search(q, k: wanted, ef: ef.map { max($0, wanted) })
            }
        } catch { throw EngineError(error) }
        var taken = 0
        for result in results where taken < k {
            guard memtable.isVisible(result.id, asOf: sequence), let row = memtable.row(result.id) else { continue }
            emit(result.distance, row.key, result.id)
            taken += 1
        }
    }

    /// Calls `body` with the keys of live rows in key order, from the first key not less than
    /// `lowerBound`, until it returns `false` (the merge of every part; the newest copy wins).
    func forEachKey(from lowerBound: [UInt8]?, asOf sequence: UInt64, _ body: ([UInt8]) -> Bool) {
        var cursors = [KeyedRowCursor(entries: entries, from: lowerBound)]
        for part in frozen { cursors.append(KeyedRowCursor(part: part, from: lowerBound)) }
        while true {
            // The smallest current key; the newest cursor (lowest index) holding it decides.
            var best: (index: Int, key: [UInt8])?
            for i in cursors.indices {
                guard let key = cursors[i].current?.key else { continue }
                if best == nil || compareKeys(key, best!.key) < 0 { best = (i, key) }
            }
            guard let (winner, key) = best else { return }
            let live: Bool
            switch (cursors[winner].part, cursors[winner].current?.id) {
            case (nil, let id): live = id != nil
            case (let part?, let id?): live = part.isLive(id, asOf: sequence)
            default: live = false
            }
            for i in cursors.indices where cursors[i].current.map({ compareKeys($0.key, key) == 0 }) == true {
                cursors[i].advance()
            }
            if live { guard body(key) else { return } }
        }
    }
}

/// Walks one part's keys in key order: the memtable's key map (deletes included, as `id` nil),
/// or a frozen part's keyed rows.
struct KeyedRowCursor {
    private enum Source {
        case map(SortedMap<VectorEntry>.Cursor, includeDeletes: Bool)
        case mapped(SortedKeys, next: Int)
    }

    /// The part walked, `nil` for the memtable.
    let part: FrozenPart?
    private var source: Source
    /// The current key and row (`nil` id: a delete in the memtable).
    private(set) var current: (key: [UInt8], id: UInt32?)?

    init(entries: SortedMap<VectorEntry>, from lowerBound: [UInt8]?) {
        part = nil
        source = .map(SortedMap<VectorEntry>.Cursor(entries, from: lowerBound), includeDeletes: true)
        advance()
    }

    init(part: FrozenPart, from lowerBound: [UInt8]?) {
        self.part = part
        switch part.rows {
        case .memory(let entries, _):
            source = .map(SortedMap<VectorEntry>.Cursor(entries, from: lowerBound), includeDeletes: false)
        case .mapped(let mapped):
            let start = lowerBound.map { bound in bound.withUnsafeBytes { mapped.keys.lowerBound($0).index } } ?? 0
            source = .mapped(mapped.keys, next: start)
        }
        advance()
    }

    mutating func advance() {
        switch source {
        case .map(var cursor, let includeDeletes):
            current = nil
            while let (key, entry) = cursor.next() {
                if entry.id != nil || includeDeletes {
                    current = (key, entry.id)
                    break
                }
            }
            source = .map(cursor, includeDeletes: includeDeletes)
        case .mapped(let keys, let next):
            current = keys.key(at: next).map { ($0, UInt32(next)) }
            source = .mapped(keys, next: next + 1)
        }
    }
}
