internal import QuiverIndex

/// A deletion of a row of an immutable part, recorded by a later write: `(part number, id)`.
struct Tombstone: Hashable, Sendable, Comparable {
    /// The segment number of the part (a frozen memtable has the number its segment will get).
    var part: UInt64
    /// The internal id in that part.
    var id: UInt32

    static func < (a: Tombstone, b: Tombstone) -> Bool { (a.part, a.id) < (b.part, b.id) }
}

/// The writable part of a collection: an HNSW index plus its key map, attributes and the
/// tombstones its writes put on older parts.
///
/// Writers apply operations concurrently (inserts run in parallel in the index); each key keeps the
/// sequence number of its last write, so operations that commit in one order but apply in another
/// still end in the order of the log.
final class MemTable: Sendable {
    /// What is stored under a key: the live id, or `nil` after a delete, with the write's sequence.
    struct Entry: Sendable {
        var id: UInt32?
        var sequence: UInt64
    }

    struct State: Sendable {
        var entries: [String: Entry] = [:]
        var keyOf: [UInt32: String] = [:]
        var attributes: [UInt32: [UInt8]] = [:]
        var tombstones: Set<Tombstone> = []
        /// Attribute bytes held, for the flush threshold.
        var attributeBytes = 0
    }

    let index: HNSWIndex
    let state = Locked(State())

    init(_ definition: CollectionDefinition) throws(EngineError) {
        do { index = try HNSWIndex(definition.index) } catch { throw EngineError(error) }
    }

    /// What `key` holds here: `.some(nil)` when a delete is recorded, `nil` when the memtable has
    /// never seen the key.
    func entry(_ key: String) -> Entry? { state.withLock { $0.entries[key] } }

    /// The key of a live id, or `nil` while an insert is not yet published.
    func key(of id: UInt32) -> String? { state.withLock { $0.keyOf[id] } }

    /// Approximate bytes held, for the flush threshold.
    var approximateBytes: Int {
        index.memoryUsage.totalBytes + state.withLock { $0.attributeBytes + $0.entries.count * 64 }
    }

    /// Inserts `vector` under `key` at `sequence` unless a later write of the key applied first.
    ///
    /// - Returns: whether the memtable had no entry for the key (so an older part may hold it).
    func upsert(
        _ key: String, vector: [Float], attributes: [UInt8]?, sequence: UInt64
    ) throws(EngineError) -> Bool {
        let id: UInt32
        do { id = try index.add(vector) } catch { throw EngineError(error) }
        let (stale, replaced, unseen): (Bool, UInt32?, Bool) = state.withLock { state in
            let old = state.entries[key]
            if let old, old.sequence > sequence { return (true, nil, false) }
            state.entries[key] = Entry(id: id, sequence: sequence)
            state.keyOf[id] = key
            if let attributes {
                state.attributes[id] = attributes
                state.attributeBytes += attributes.count
            }
            if let oldID = old?.id {
                state.keyOf[oldID] = nil
                if let gone = state.attributes.removeValue(forKey: oldID) { state.attributeBytes -= gone.count }
            }
            return (false, old?.id, old == nil)
        }
        if stale { try? index.remove(id) }
        if let replaced { try? index.remove(replaced) }
        return unseen
    }

    /// Records a delete of `key` at `sequence` unless a later write applied first.
    ///
    /// - Returns: whether the memtable had no entry for the key (so an older part may hold it).
    func delete(_ key: String, sequence: UInt64) -> Bool {
        let (removed, unseen): (UInt32?, Bool) = state.withLock { state in
            let old = state.entries[key]
            if let old, old.sequence > sequence { return (nil, false) }
            state.entries[key] = Entry(id: nil, sequence: sequence)
            if let oldID = old?.id {
                state.keyOf[oldID] = nil
                if let gone = state.attributes.removeValue(forKey: oldID) { state.attributeBytes -= gone.count }
            }
            return (old?.id, old == nil)
        }
        if let removed { try? index.remove(removed) }
        return unseen
    }

    /// Records that a write here deleted a row of an older part.
    func addTombstone(_ tombstone: Tombstone) { state.withLock { _ = $0.tombstones.insert(tombstone) } }

    /// Whether nothing was written here.
    var isEmpty: Bool { state.withLock { $0.entries.isEmpty && $0.tombstones.isEmpty } }
}
