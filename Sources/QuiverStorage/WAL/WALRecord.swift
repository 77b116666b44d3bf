/// One logical record read back from a WAL: a write batch, all or nothing.
public struct WALRecord: Sendable, Hashable {
    /// The record's sequence number, assigned at append; consecutive within a log.
    public var sequence: UInt64
    /// The bytes appended.
    public var payload: [UInt8]
    /// The file offset of the record's first fragment.
    public var offset: Int64

    /// A record with `sequence` and `payload` found at `offset`.
    public init(sequence: UInt64, payload: [UInt8], offset: Int64) {
        self.sequence = sequence
        self.payload = payload
        self.offset = offset
    }
}
