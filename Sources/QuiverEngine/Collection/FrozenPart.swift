internal import QuiverIndex
internal import QuiverStorage

/// An immutable part of a collection: a frozen memtable waiting for its flush, or a segment.
///
/// Its rows never change; later deletes of its rows go into ``overlay`` (and, durably, into the
/// tombstones of a later part). A frozen memtable and the segment it becomes share a number and
/// an overlay, so a delete that lands during the flush is kept.
final class FrozenPart: Sendable {
    /// The segment number (assigned when the memtable froze).
    let number: UInt64
    let index: HNSWIndex
    let keys: KeyTable
    let attributes: AttributeSource
    let overlay: DeletionOverlay
    /// Rows of older parts that writes in this part deleted.
    let tombstones: [Tombstone]
    /// The mapped file, `nil` for a frozen memtable.
    let segment: SegmentFile?
    /// 0 for a flushed memtable; one more than its inputs' highest for a compaction's output.
    let level: Int

    init(
        number: UInt64, index: HNSWIndex, keys: KeyTable, attributes: AttributeSource, overlay: DeletionOverlay,
        tombstones: [Tombstone], segment: SegmentFile?, level: Int = 0
    ) {
        self.level = level
        self.number = number
        self.index = index
        self.keys = keys
        self.attributes = attributes
        self.overlay = overlay
        self.tombstones = tombstones
        self.segment = segment
    }

    /// Freezes `memtable`, which must take no more writes.
    convenience init(freezing memtable: MemTable, number: UInt64) {
        let state = memtable.state.withLock { $0 }
        var byKey: [String: UInt32] = [:]
        byKey.reserveCapacity(state.keyOf.count)
        for (id, key) in state.keyOf { byKey[key] = id }
        self.init(
            number: number, index: memtable.index, keys: .memory(byKey: byKey, byID: state.keyOf),
            attributes: .memory(state.attributes), overlay: DeletionOverlay(capacity: memtable.index.slotCount),
            tombstones: state.tombstones.sorted(), segment: nil)
    }

    /// Whether `id` is a live row (in the index and not deleted since).
    @inline(__always)
    func isLive(_ id: UInt32) -> Bool { !overlay.contains(id) && index.contains(id) }

    /// The live id stored under `key`, if any.
    func liveID(for key: String) -> UInt32? {
        guard let id = keys.id(for: key), isLive(id) else { return nil }
        return id
    }

    /// Live rows.
    var liveCount: Int { max(0, index.count - overlay.count) }
}

/// Attribute bytes by id: a dictionary for a frozen memtable, a compressed section for a segment.
enum AttributeSource: Sendable {
    case memory([UInt32: [UInt8]])
    case mapped(Locked<CompressedSectionReader>)

    /// The attributes of `id`, `nil` when it has none.
    func attributes(of id: UInt32) throws(EngineError) -> [UInt8]? {
        switch self {
        case .memory(let byID): return byID[id]
        case .mapped(let reader):
            let result: Result<[UInt8], StorageError> = reader.withLock { reader in
                guard Int(id) < reader.count else { return .success([]) }
                return Result { () throws(StorageError) in try reader.record(Int(id)) }
            }
            do {
                let bytes = try result.get()
                return bytes.isEmpty ? nil : bytes
            } catch { throw EngineError(error) }
        }
    }
}
