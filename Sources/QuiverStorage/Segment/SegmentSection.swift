/// One entry of a segment's section table: where a section lies and how to check it.
public struct SegmentSection: Sendable, Hashable {
    /// What the section holds.
    public var kind: SegmentSectionKind
    /// The section's first byte, as a file offset (a multiple of the alignment it was written with).
    public var offset: Int
    /// The section's length in bytes (its padding excluded).
    public var length: Int
    /// The CRC-32C of the section's bytes (unmasked).
    public var checksum: UInt32
    /// Whether the section is a compressed record list (read it with ``SegmentFile/compressedSection(_:)``).
    public var isCompressed: Bool

    /// A table entry.
    public init(kind: SegmentSectionKind, offset: Int, length: Int, checksum: UInt32, isCompressed: Bool) {
        self.kind = kind
        self.offset = offset
        self.length = length
        self.checksum = checksum
        self.isCompressed = isCompressed
    }
}
