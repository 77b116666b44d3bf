/// What a section of a segment file holds: a 32-bit number, a few of them named here.
///
/// The storage layer does not interpret sections; the engine decides their contents. Numbers
/// 1–9 are the well-known kinds below; layers above may define more with
/// ``init(rawValue:)``. A file holds at most one section of each kind.
public struct SegmentSectionKind: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The number stored in the section table.
    public let rawValue: UInt32

    /// The kind numbered `rawValue`.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Segment-level facts: format, owner, counts (1).
    public static let metadata = SegmentSectionKind(rawValue: 1)
    /// Encoded vectors searched in place (2); usually 4096-byte aligned.
    public static let vectors = SegmentSectionKind(rawValue: 2)
    /// Full-precision originals of quantized vectors, for re-ranking (3).
    public static let originals = SegmentSectionKind(rawValue: 3)
    /// HNSW layer-0 node records (4).
    public static let graphNodes = SegmentSectionKind(rawValue: 4)
    /// HNSW upper-layer neighbour blocks (5).
    public static let graphUpper = SegmentSectionKind(rawValue: 5)
    /// User keys (6).
    public static let keys = SegmentSectionKind(rawValue: 6)
    /// Offsets into ``keys`` (7).
    public static let keyIndex = SegmentSectionKind(rawValue: 7)
    /// Per-row attributes, usually a compressed section (8).
    public static let attributes = SegmentSectionKind(rawValue: 8)
    /// Rows of older segments this one deletes (9).
    public static let tombstones = SegmentSectionKind(rawValue: 9)

    /// The kind's name for the well-known kinds, `kind N` otherwise, with the number.
    public var description: String {
        let names: [UInt32: String] = [
            1: "metadata", 2: "vectors", 3: "originals", 4: "graphNodes", 5: "graphUpper", 6: "keys", 7: "keyIndex",
            8: "attributes", 9: "tombstones",
        ]
        if let name = names[rawValue] { return "\(rawValue) (\(name))" }
        return "\(rawValue)"
    }

    /// Orders kinds by number.
    public static func < (lhs: SegmentSectionKind, rhs: SegmentSectionKind) -> Bool { lhs.rawValue < rhs.rawValue }
}
