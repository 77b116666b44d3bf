public import SystemPackage

/// What ``SegmentWriter/finish()`` published: the file, its size and its sections.
public struct SegmentInfo: Sendable, Hashable {
    /// The segment's number (the one in its name).
    public var number: UInt64
    /// The published file, `NNNNNN.seg`.
    public var path: FilePath
    /// The file's size in bytes.
    public var byteCount: Int
    /// The section table, in file order.
    public var sections: [SegmentSection]

    /// A description of a published segment.
    public init(number: UInt64, path: FilePath, byteCount: Int, sections: [SegmentSection]) {
        self.number = number
        self.path = path
        self.byteCount = byteCount
        self.sections = sections
    }
}
