import QuiverStorage

/// A segment image a test edits, with the checksums covering each edit rewritten, so the edit
/// reaches the checks behind them (fields that pass their checksum but lie: crafted input).
struct SegmentForgery {
    typealias Header = SegmentFormat.Header
    typealias Footer = SegmentFormat.Footer
    typealias Entry = SegmentFormat.SectionEntry
    typealias Compressed = SegmentFormat.Compressed

    var bytes: [UInt8]

    var footerStart: Int { bytes.count - Footer.size }
    var tableStart: Int { Int(load(UInt64.self, at: footerStart + Footer.tableOffsetOffset)) }
    var sectionCount: Int { Int(load(UInt32.self, at: footerStart + Footer.sectionCountOffset)) }

    func load<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T { bytes[...].loadLittleEndian(type, at: offset) }

    mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<(offset + MemoryLayout<T>.size), with: $0) }
    }

    private mutating func seal(_ range: Range<Int>, into offset: Int, extending seed: UInt32 = 0) {
        put(CRC32C.mask(CRC32C.checksum(bytes[range], extending: seed)), at: offset)
    }

    /// Rewrites the header checksum.
    mutating func sealHeader() { seal(0..<Header.checksumOffset, into: Header.checksumOffset) }

    /// Rewrites the footer checksum.
    mutating func sealFooter() { seal(footerStart..<(footerStart + Footer.checksumOffset), into: footerStart + Footer.checksumOffset) }

    /// Rewrites the section table checksum (in the footer), then the footer's.
    mutating func sealTable() {
        seal(tableStart..<footerStart, into: footerStart + Footer.tableChecksumOffset)
        sealFooter()
    }

    /// Where the table entry of section `position` starts.
    func entry(_ position: Int) -> Int { tableStart + position * Entry.size }

    /// The table position of the section of `kind`.
    func position(of kind: SegmentSectionKind) -> Int? {
        (0..<sectionCount).first { load(UInt32.self, at: entry($0) + Entry.kindOffset) == kind.rawValue }
    }

    /// The byte range of section `position`.
    func range(ofSection position: Int) -> Range<Int> {
        let offset = Int(load(UInt64.self, at: entry(position) + Entry.offsetOffset))
        return offset..<(offset + Int(load(UInt64.self, at: entry(position) + Entry.lengthOffset)))
    }

    /// Where the trailer and the block index of compressed section `position` start.
    func compressedLayout(ofSection position: Int) -> (indexStart: Int, trailerStart: Int) {
        let range = range(ofSection: position)
        let trailerStart = range.upperBound - Compressed.trailerSize
        let blocks = Int(load(UInt32.self, at: trailerStart + Compressed.blockCountOffset))
        return (trailerStart - blocks * Compressed.entrySize, trailerStart)
    }

    /// Rewrites the block index checksum of compressed section `position`, for its current block count.
    mutating func sealBlockIndex(ofSection position: Int) {
        let (indexStart, trailerStart) = compressedLayout(ofSection: position)
        seal(indexStart..<(trailerStart + Compressed.checksumOffset), into: trailerStart + Compressed.checksumOffset)
    }
}
