internal import QuiverIndex
internal import QuiverStorage

/// An immutable part of a collection: a frozen memtable waiting for its flush, or a segment.
///
/// Its rows never change; later deletes of its rows go into ``overlay`` (and, durably, into the
/// tombstones of a later part). A frozen memtable's overlay is carried over, renumbered, to the
/// segment it becomes, so a delete that lands during the flush is kept.
final class FrozenPart: Sendable {
    /// The segment number (assigned when the memtable froze).
    let number: UInt64
    let index: HNSWIndex
    let rows: PartRows
    let overlay: DeletionOverlay
    /// Rows of older parts that writes in this part deleted.
    let tombstones: [Tombstone]
    /// The mapped file, `nil` for a frozen memtable.
    let segment: SegmentFile?
    /// 0 for a flushed memtable; one more than its inputs' highest for a compaction's output.
    let level: Int

    init(
        number: UInt64, index: HNSWIndex, rows: PartRows, overlay: DeletionOverlay, tombstones: [Tombstone],
        segment: SegmentFile?, level: Int = 0
    ) {
        self.level = level
        self.number = number
        self.index = index
        self.rows = rows
        self.overlay = overlay
        self.tombstones = tombstones
        self.segment = segment
    }

    /// Freezes `memtable` with its key map `entries`; the memtable must take no more writes.
    convenience init(freezing memtable: MemTable, entries: SortedMap<VectorEntry>, number: UInt64) {
        self.init(
            number: number, index: memtable.index, rows: .memory(entries: entries, rows: memtable.rows.withLock { $0 }),
            overlay: DeletionOverlay(capacity: memtable.index.slotCount), tombstones: memtable.tombstones.withLock { $0 },
            segment: nil)
    }

    /// What the part says about `key`: a row, a delete (of an older copy), or nothing.
    func lookup(_ key: [UInt8]) -> PartLookup {
        switch rows {
        case .memory(let entries, _):
            guard let entry = entries[key] else { return .absent }
            return entry.id.map(PartLookup.row) ?? .deleted
        case .mapped(let mapped):
            return mapped.keys.index(of: key).map { .row(UInt32($0)) } ?? .absent
        }
    }

    /// The key of row `id`, `nil` for a row without one (deleted before the part was written).
    func key(of id: UInt32) -> [UInt8]? {
        switch rows {
        case .memory(_, let rows): Int(id) < rows.count ? rows[Int(id)]?.key : nil
        case .mapped(let mapped): mapped.keys.key(at: Int(id))
        }
    }

    /// The attributes of row `id`, `nil` when it has none.
    func attributes(of id: UInt32) throws(EngineError) -> [UInt8]? {
        switch rows {
        case .memory(_, let rows): return Int(id) < rows.count ? rows[Int(id)]?.attributes : nil
        case .mapped(let mapped): return try mapped.attributes(of: id)
        }
    }

    /// The length row `id`'s vector had before normalisation (1 when not normalised).
    func norm(of id: UInt32) -> Float {
        switch rows {
        case .memory(_, let rows): Int(id) < rows.count ? rows[Int(id)]?.norm ?? 1 : 1
        case .mapped(let mapped): mapped.norm(of: id)
        }
    }

    /// Whether row `id` is live for the snapshot at `sequence`.
    @inline(__always)
    func isLive(_ id: UInt32, asOf sequence: UInt64) -> Bool {
        index.contains(id) && !overlay.isDeleted(id, asOf: sequence)
    }

    /// Whether row `id` is live now (not deleted by any write published so far).
    @inline(__always)
    func isLive(_ id: UInt32) -> Bool { !overlay.contains(id) && index.contains(id) }

    /// Rows with a key (live when the part was frozen).
    var keyedCount: Int {
        switch rows {
        case .memory(let entries, _):
            var count = 0
            entries.forEach { _, entry in
                if entry.id != nil { count += 1 }
                return true
            }
            return count
        case .mapped(let mapped): return mapped.keys.count
        }
    }

    /// Live rows for the snapshot at `sequence`.
    func liveCount(asOf sequence: UInt64) -> Int { max(0, index.count - overlay.count(asOf: sequence)) }

    /// Live rows now.
    var liveCount: Int { max(0, index.count - overlay.count) }
}

/// A lazily filled cache of a segment's decompressed attributes.
final class DecodedAttributes: Sendable {
    let value = Locked<[[UInt8]?]?>(nil)
}

/// What a part holds under a key.
enum PartLookup: Sendable, Equatable {
    /// Nothing: look in older parts.
    case absent
    /// A delete: older parts' copies are gone.
    case deleted
    /// A row.
    case row(UInt32)
}

/// How a part maps row ids to keys, attributes and norms.
enum PartRows: Sendable {
    /// A frozen memtable: its key map and its rows by id.
    case memory(entries: SortedMap<VectorEntry>, rows: [MemRow?])
    /// A segment: sections read from the mapping.
    case mapped(MappedRows)
}

/// The key, attribute and norm sections of a collection segment. Rows are numbered in key
/// order, so row `i < keys.count` has key number `i`.
struct MappedRows: @unchecked Sendable {  // the views point into a mapping `attributes.file` keeps alive
    let keys: SortedKeys
    let attributeReader: Locked<CompressedSectionReader>
    /// `f32` per keyed row, for cosine collections.
    let norms: UnsafeRawBufferPointer?
    /// Every row's attributes decompressed, made by the first filtered search: a filter reads the
    /// attributes of many rows in no particular order, and reading each through the compressed
    /// section means a lock and a copy per row, and a block decompression whenever the row's
    /// block is not the one last read.
    let decoded = DecodedAttributes()

    init(keys: SortedKeys, attributeReader: Locked<CompressedSectionReader>, norms: UnsafeRawBufferPointer?) {
        self.keys = keys
        self.attributeReader = attributeReader
        self.norms = norms
    }

    /// The attributes of every keyed row, decompressed once and kept.
    func allAttributes() throws(EngineError) -> [[UInt8]?] {
        if let all = decoded.value.withLock({ $0 }) { return all }
        var all: [[UInt8]?] = []
        all.reserveCapacity(keys.count)
        for id in 0..<UInt32(keys.count) { all.append(try attributes(of: id)) }
        decoded.value.withLock { $0 = all }
        return all
    }

    func attributes(of id: UInt32) throws(EngineError) -> [UInt8]? {
        let result: Result<[UInt8], StorageError> = attributeReader.withLock { reader in
            guard Int(id) < reader.count else { return .success([]) }
            return Result { () throws(StorageError) in try reader.record(Int(id)) }
        }
        do {
            let bytes = try result.get()
            return bytes.isEmpty ? nil : bytes
        } catch { throw EngineError(error) }
    }

    func norm(of id: UInt32) -> Float {
        guard let norms, Int(id) < norms.count / 4 else { return 1 }
        return Float(bitPattern: norms.loadUnaligned(fromByteOffset: Int(id) * 4, as: UInt32.self).littleEndian)
    }
}
