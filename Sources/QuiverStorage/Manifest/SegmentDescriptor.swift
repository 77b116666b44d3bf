/// What the manifest records about one published segment.
public struct SegmentDescriptor: Sendable, Hashable {
    /// The segment's number (its file is `NNNNNN.seg`).
    public var number: UInt64
    /// The collection the segment belongs to.
    public var owner: String
    /// Its compaction level (0 for a flushed memtable).
    public var level: Int
    /// The file's size in bytes.
    public var byteCount: Int
    /// Records (rows) in the segment.
    public var recordCount: Int
    /// The lowest WAL sequence number whose writes it holds.
    public var minSequence: UInt64
    /// The highest WAL sequence number whose writes it holds.
    public var maxSequence: UInt64

    /// A segment description.
    ///
    /// - Precondition: `level`, `byteCount` and `recordCount` are not negative, and `level` fits in 32 bits.
    public init(
        number: UInt64, owner: String, level: Int, byteCount: Int, recordCount: Int, minSequence: UInt64,
        maxSequence: UInt64
    ) {
        precondition(level >= 0 && level <= Int(UInt32.max), "segment level \(level) out of range")
        precondition(byteCount >= 0 && recordCount >= 0, "negative segment size")
        self.number = number
        self.owner = owner
        self.level = level
        self.byteCount = byteCount
        self.recordCount = recordCount
        self.minSequence = minSequence
        self.maxSequence = maxSequence
    }
}
