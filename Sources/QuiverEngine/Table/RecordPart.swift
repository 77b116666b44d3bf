internal import QuiverStorage

/// An immutable part of a record table: a frozen memtable waiting for its flush, or a segment.
///
/// Newer parts shadow older ones key by key (a removal is an entry too), so a part never changes
/// after it freezes and every snapshot reads it as it is.
final class RecordPart: Sendable {
    let number: UInt64
    let level: Int
    let source: Source
    /// The mapped file, `nil` for a frozen memtable.
    let segment: SegmentFile?

    enum Source: Sendable {
        case memory(SortedMap<RecordEntry>)
        case mapped(MappedRecords)
    }

    init(number: UInt64, level: Int = 0, source: Source, segment: SegmentFile?) {
        self.number = number
        self.level = level
        self.source = source
        self.segment = segment
    }

    /// Entries held.
    var count: Int {
        switch source {
        case .memory(let map): map.count
        case .mapped(let records): records.keys.count
        }
    }

    /// The entry under `key`, or `nil` when the part says nothing about it.
    func entry(_ key: [UInt8]) throws(EngineError) -> RecordEntry? {
        switch source {
        case .memory(let map): return map[key]
        case .mapped(let records):
            guard let i = records.keys.index(of: key) else { return nil }
            return try records.entry(at: i)
        }
    }
}

/// The sections of a record segment: keys in order, one `u64` of flags and expiry per record, and
/// the values as compressed records.
struct MappedRecords: @unchecked Sendable {  // views into a mapping `valueReader`'s file keeps alive
    let keys: SortedKeys
    /// Per record: bit 63 set for a removal, the low 63 bits the expiry (0: never).
    let meta: UnsafeRawBufferPointer
    let valueReader: Locked<CompressedSectionReader>

    static let removalBit: UInt64 = 1 << 63

    func entry(at index: Int) throws(EngineError) -> RecordEntry? {
        guard index >= 0, index < meta.count / 8 else { return nil }
        let word = meta.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self).littleEndian
        let expiresAt = Int64(bitPattern: word & ~Self.removalBit)
        if word & Self.removalBit != 0 { return RecordEntry(value: nil, expiresAt: expiresAt, sequence: 0) }
        let result: Result<[UInt8], StorageError> = valueReader.withLock { reader in
            guard index < reader.count else { return .failure(StorageError(.corruption, "record \(index) has no value")) }
            return Result { () throws(StorageError) in try reader.record(index) }
        }
        do { return RecordEntry(value: try result.get(), expiresAt: expiresAt, sequence: 0) } catch { throw EngineError(error) }
    }
}
