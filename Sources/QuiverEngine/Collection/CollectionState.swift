internal import QuiverIndex

/// One search result: the key, its distance to the query, and its attributes when asked for.
public struct SearchHit: Sendable, Hashable {
    /// The key the vector was stored under.
    public var key: String
    /// Distance to the query under the collection's metric (smaller is nearer).
    public var distance: Float
    /// The attributes stored with the vector, when the search asked for them and it has any.
    public var attributes: [UInt8]?
}

/// A stored vector read back by key.
public struct StoredVector: Sendable, Hashable {
    /// The vector (normalised for cosine collections; decoded for quantised ones without originals).
    public var vector: [Float]
    /// The attributes stored with it, if any.
    public var attributes: [UInt8]?
}

/// A collection in memory: its writable memtable and its immutable parts, newest first.
final class CollectionState: Sendable {
    struct Parts: Sendable {
        var memtable: MemTable
        /// Frozen memtables and segments, newest (highest number) first.
        var frozen: [FrozenPart]
    }

    let definition: CollectionDefinition
    let parts: Locked<Parts>

    init(_ definition: CollectionDefinition, frozen: [FrozenPart] = []) throws(EngineError) {
        self.definition = definition
        let memtable = try MemTable(definition)
        parts = Locked(Parts(memtable: memtable, frozen: frozen.sorted { $0.number > $1.number }))
    }

    var snapshot: Parts { parts.withLock { $0 } }

    // MARK: Writes (callers hold the engine's write gate shared)

    func upsert(_ key: String, vector: [Float], attributes: [UInt8]?, sequence: UInt64) throws(EngineError) {
        let current = snapshot
        if try current.memtable.upsert(key, vector: vector, attributes: attributes, sequence: sequence) {
            deleteOlderCopies(of: key, in: current)
        }
    }

    func delete(_ key: String, sequence: UInt64) {
        let current = snapshot
        if current.memtable.delete(key, sequence: sequence) { deleteOlderCopies(of: key, in: current) }
    }

    /// Marks the live copies of `key` in immutable parts deleted, and records tombstones for them.
    private func deleteOlderCopies(of key: String, in current: Parts) {
        for part in current.frozen {
            guard let id = part.liveID(for: key) else { continue }
            part.overlay.insert(id)
            current.memtable.addTombstone(Tombstone(part: part.number, id: id))
        }
    }

    // MARK: Reads

    /// Number of live vectors.
    var count: Int {
        let current = snapshot
        return current.memtable.index.count + current.frozen.reduce(0) { $0 + $1.liveCount }
    }

    func get(_ key: String) throws(EngineError) -> StoredVector? {
        let current = snapshot
        if let entry = current.memtable.entry(key) {
            guard let id = entry.id else { return nil }
            let attributes = current.memtable.state.withLock { $0.attributes[id] }
            do {
                return StoredVector(vector: try current.memtable.index.vector(id), attributes: attributes)
            } catch {
                return nil  // replaced between the two reads
            }
        }
        for part in current.frozen {
            guard let id = part.liveID(for: key) else { continue }
            do {
                return StoredVector(vector: try part.index.vector(id), attributes: try part.attributes.attributes(of: id))
            } catch let error as IndexError {
                throw EngineError(error)
            } catch {
                throw error as! EngineError
            }
        }
        return nil
    }

    /// The `k` nearest live vectors across every part, nearest first.
    func search(_ query: [Float], k: Int, ef: Int?, withAttributes: Bool) throws(EngineError) -> [SearchHit] {
        let current = snapshot
        var hits: [(distance: Float, key: String, part: FrozenPart?, id: UInt32)] = []
        do {
            try query.withUnsafeBufferPointer { (q) throws(IndexError) in
                for result in try current.memtable.index.search(q, k: k, ef: ef) {
                    if let key = current.memtable.key(of: result.id) { hits.append((result.distance, key, nil, result.id)) }
                }
                for part in current.frozen where part.liveCount > 0 {
                    let results: [SearchResult]
                    if part.overlay.count == 0 {
                        results = try part.index.search(q, k: k, ef: ef)
                    } else {
                        let overlay = part.overlay
                        results = try part.index.search(q, k: k, ef: ef) { !overlay.contains($0) }
                    }
                    for result in results {
                        if let key = part.keys.key(of: result.id) { hits.append((result.distance, key, part, result.id)) }
                    }
                }
            }
        } catch { throw EngineError(error) }
        hits.sort { $0.distance < $1.distance }
        var out: [SearchHit] = []
        for hit in hits.prefix(k) {
            var attributes: [UInt8]?
            if withAttributes {
                if let part = hit.part {
                    attributes = try part.attributes.attributes(of: hit.id)
                } else {
                    attributes = current.memtable.state.withLock { $0.attributes[hit.id] }
                }
            }
            out.append(SearchHit(key: hit.key, distance: hit.distance, attributes: attributes))
        }
        return out
    }
}
