internal import QuiverIndex

/// A deletion of a row of an immutable part, recorded by a later write: `(part number, id)`.
struct Tombstone: Hashable, Sendable, Comparable {
    /// The segment number of the part (a frozen memtable has the number its segment will get).
    var part: UInt64
    /// The internal id in that part.
    var id: UInt32

    static func < (a: Tombstone, b: Tombstone) -> Bool { (a.part, a.id) < (b.part, b.id) }
}

/// What a memtable's key map holds for a key: the live row, or a delete.
struct VectorEntry: Sendable, Hashable {
    /// The row in the memtable's index, `nil` for a delete.
    var id: UInt32?
    /// The write's sequence number.
    var sequence: UInt64
}

/// What a memtable row holds besides its vector: written when the row is inserted, and stamped
/// with its write's sequence number when that write is published.
struct MemRow: Sendable {
    var key: [UInt8]
    var attributes: [UInt8]?
    /// The vector's length before a cosine collection normalised it (1 for other metrics).
    var norm: Float
    /// The sequence number of the write that published the row; 0 while unpublished.
    var published: UInt64 = 0

    init(key: [UInt8], attributes: [UInt8]?, norm: Float) {
        self.key = key
        self.attributes = attributes
        self.norm = norm
    }
}

/// The writable part of a collection: an HNSW index whose rows are inserted *before* their write
/// is logged (so the insert overlaps other writers' fsyncs) and become visible when the write is
/// published, in log order, through the key map of a snapshot (``CollectionView/entries``).
///
/// The index never purges: a row id is never reused while the memtable lives, so a snapshot that
/// still maps a key to an id replaced since reads that id's own vector.
final class MemTable: Sendable {
    let index: HNSWIndex
    /// Row data by id (`nil` while an insert has no row yet).
    let rows = Locked<[MemRow?]>([])
    /// Rows of older parts that writes here deleted.
    let tombstones = Locked<[Tombstone]>([])
    /// Rows inserted, published or not; with a snapshot's ``CollectionView/publishedRows`` it
    /// bounds how many index hits a snapshot cannot see.
    let insertedRows = Locked<Int>(0)

    init(_ definition: CollectionDefinition) throws(EngineError) {
        var configuration = definition.index
        // Never purge automatically (see the type's comment); compaction purges.
        configuration.purgeRatio = 1
        do { index = try HNSWIndex(configuration) } catch { throw EngineError(error) }
        index.automaticPurge = false
    }

    /// Inserts a row that no snapshot sees until its write is published.
    func insert(_ vector: [Float], row: MemRow) throws(EngineError) -> UInt32 {
        insertedRows.withLock { $0 += 1 }
        let id: UInt32
        do { id = try index.add(vector) } catch {
            insertedRows.withLock { $0 -= 1 }
            throw EngineError(error)
        }
        rows.withLock { rows in
            let i = Int(id)
            if rows.count <= i { rows.append(contentsOf: repeatElement(nil, count: i + 1 - rows.count)) }
            rows[i] = row
        }
        return id
    }

    /// The row of `id`, or `nil` while it has none.
    func row(_ id: UInt32) -> MemRow? {
        rows.withLock { rows in Int(id) < rows.count ? rows[Int(id)] : nil }
    }

    /// Stamps row `id` as published by the write with sequence number `sequence`.
    func markPublished(_ id: UInt32, sequence: UInt64) {
        rows.withLock { rows in if Int(id) < rows.count { rows[Int(id)]?.published = sequence } }
    }

    /// Whether a snapshot at `sequence` sees row `id` when the index returns it as live: the row
    /// was published by then (rows replaced since are gone from the index, so a live row is the
    /// current row of its key). With the row's attributes, for filters.
    @inline(__always)
    func isVisible(_ id: UInt32, asOf sequence: UInt64) -> Bool {
        rows.withLock { rows in
            guard Int(id) < rows.count, let published = rows[Int(id)]?.published else { return false }
            return published != 0 && published <= sequence
        }
    }

    /// The attributes of row `id` when a snapshot at `sequence` sees it (see ``isVisible(_:asOf:)``);
    /// `.none` when it does not.
    func visibleAttributes(_ id: UInt32, asOf sequence: UInt64) -> [UInt8]?? {
        rows.withLock { rows -> [UInt8]?? in
            guard Int(id) < rows.count, let published = rows[Int(id)]?.published, published != 0, published <= sequence
            else { return .none }
            return .some(rows[Int(id)]?.attributes)
        }
    }

    /// Records that a write here deleted a row of an older part.
    func addTombstone(_ tombstone: Tombstone) { tombstones.withLock { $0.append(tombstone) } }

    /// Approximate bytes held, for the flush threshold.
    var approximateBytes: Int {
        let rowBytes = rows.withLock { $0.count * 64 }
        return index.memoryUsage.totalBytes + rowBytes + tombstones.withLock { $0.count * 16 }
    }

    /// Whether no row was inserted and no tombstone recorded.
    var isEmpty: Bool { insertedRows.withLock { $0 } == 0 && tombstones.withLock { $0.isEmpty } }
}
