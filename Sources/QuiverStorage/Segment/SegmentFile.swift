public import SystemPackage

/// A published segment, memory-mapped read-only: its sections as zero-copy views.
///
/// ``open(fileIO:path:)`` costs O(footer + section table), whatever the file's size: it checks the
/// file's size against the footer before trusting any offset, verifies the header, footer and
/// section-table checksums, and bounds-checks every section against the file. Section contents
/// are *not* checksummed at open (a 500 MB vector section would be read in full); call
/// ``verifySection(_:)`` for the sections you decode, and ``verifyAll()`` to check everything.
///
/// The mapping lives as long as this object: a view from ``section(_:)`` is valid while the
/// `SegmentFile` that returned it is alive. The engine never truncates or rewrites a segment, so
/// the mapping cannot fault; another process truncating the file can (`SIGBUS`).
public final class SegmentFile: @unchecked Sendable {  // immutable after init; the mapping is read-only
    /// The file.
    public let path: FilePath
    /// The segment number in the file's header.
    public let number: UInt64
    /// The format version the file was written with.
    public let version: UInt16
    /// The file's size in bytes.
    public let byteCount: Int
    /// The section table, in file order.
    public let sections: [SegmentSection]
    private let sectionIndex: [SegmentSectionKind: Int]
    private let region: MappedRegion
    /// The region's bytes; valid while `region` is alive, which is as long as `self`.
    private let mapped: UnsafeRawBufferPointer

    private init(path: FilePath, region: MappedRegion) throws(StorageError) {
        self.path = path
        self.region = region
        self.mapped = region.withUnsafeBytes { $0 }
        byteCount = mapped.count
        (number, version, sections) = try Self.decodeLayout(mapped)
        var sectionIndex: [SegmentSectionKind: Int] = [:]
        for (position, section) in sections.enumerated() { sectionIndex[section.kind] = position }
        self.sectionIndex = sectionIndex
    }

    /// Maps the segment at `path` and checks its header, footer and section table.
    ///
    /// When the file's name is a segment name (`NNNNNN.seg`), the header's number must match it.
    ///
    /// - Parameters:
    ///   - fileIO: The file system.
    ///   - path: The segment file.
    /// - Returns: The open segment.
    /// - Throws: ``StorageError/Code/corruption`` (naming the file and offset) for a file that is
    ///   truncated, extended, damaged or not a segment; ``StorageError/Code/unsupported`` for a
    ///   newer format version; ``StorageError/Code/notFound`` for a missing file.
    /// - Complexity: O(number of sections), plus the `mmap`.
    public static func open(fileIO: any FileIO, path: FilePath) throws(StorageError) -> SegmentFile {
        let file = try fileIO.open(path, access: .readOnly, options: [])
        let region: MappedRegion
        do {
            region = try fileIO.map(file)
        } catch {
            try? fileIO.close(file)
            throw error.at(path)
        }
        try? fileIO.close(file)
        let segment: SegmentFile
        do {
            segment = try SegmentFile(path: path, region: region)
        } catch {
            throw error.at(path)
        }
        if let name = path.lastComponent?.string, case .segment(let named)? = DataDirectoryLayout.parse(name),
            named != segment.number
        {
            throw StorageError(
                .corruption, "segment header says number \(segment.number), the file name \(named)", file: path,
                offset: Int64(SegmentFormat.Header.numberOffset))
        }
        return segment
    }

    // MARK: Sections

    /// The table entry of the section of `kind`, if the file has one.
    public func sectionInfo(_ kind: SegmentSectionKind) -> SegmentSection? {
        sectionIndex[kind].map { sections[$0] }
    }

    /// The bytes of the section of `kind`, zero-copy from the mapping; `nil` when there is none.
    ///
    /// The view is valid while this `SegmentFile` is alive. For a compressed section these are the
    /// stored bytes; read its records with ``compressedSection(_:)``. The bytes are bounds-checked
    /// but not checksummed: see ``verifySection(_:)``.
    public func section(_ kind: SegmentSectionKind) -> UnsafeRawBufferPointer? {
        guard let section = sectionInfo(kind) else { return nil }
        return UnsafeRawBufferPointer(rebasing: mapped[section.offset..<(section.offset + section.length)])
    }

    /// Checks the CRC-32C of the section of `kind`.
    ///
    /// - Throws: ``StorageError/Code/corruption`` naming the section when its checksum does not
    ///   match; ``StorageError/Code/notFound`` when the file has no such section.
    /// - Complexity: O(section length).
    public func verifySection(_ kind: SegmentSectionKind) throws(StorageError) {
        guard let section = sectionInfo(kind) else {
            throw StorageError(.notFound, "segment has no section \(kind)", file: path)
        }
        try verify(section)
    }

    /// Checks every byte of the file: each section's checksum, for compressed sections also the
    /// block index and every block (checksum, decompression, record table), and that the padding
    /// between sections is zeros.
    ///
    /// - Throws: ``StorageError/Code/corruption`` for the first damage found.
    /// - Complexity: O(file size) plus decompression.
    public func verifyAll() throws(StorageError) {
        let tableOffset = byteCount - SegmentFormat.Footer.size - sections.count * SegmentFormat.SectionEntry.size
        var gaps: [Range<Int>] = []
        var previousEnd = SegmentFormat.Header.size
        for section in sections {
            gaps.append(previousEnd..<section.offset)
            previousEnd = section.offset + section.length
        }
        gaps.append(previousEnd..<tableOffset)
        for gap in gaps {
            if let nonZero = mapped[gap].firstIndex(where: { $0 != 0 }) {
                throw StorageError(
                    .corruption, "padding between sections is not zeros", file: path, offset: Int64(nonZero))
            }
        }
        for section in sections {
            try verify(section)
            if section.isCompressed {
                let reader = try CompressedSectionReader(file: self, section: section)
                try reader.verifyBlocks()
            }
        }
    }

    /// A reader of the records of the compressed section of `kind`.
    ///
    /// Checks the section's block index (its checksum and that every block lies inside the
    /// section); blocks are checked as they are read.
    ///
    /// - Throws: ``StorageError/Code/notFound`` when the file has no such section;
    ///   ``StorageError/Code/invalidArgument`` when it is a raw section;
    ///   ``StorageError/Code/corruption`` for a damaged block index.
    /// - Complexity: O(number of blocks).
    public func compressedSection(_ kind: SegmentSectionKind) throws(StorageError) -> CompressedSectionReader {
        guard let section = sectionInfo(kind) else {
            throw StorageError(.notFound, "segment has no section \(kind)", file: path)
        }
        guard section.isCompressed else {
            throw StorageError(
                .invalidArgument, "section \(kind) is raw, not compressed", file: path, offset: Int64(section.offset))
        }
        return try CompressedSectionReader(file: self, section: section)
    }

    /// The section's bytes (already bounds-checked at open).
    func bytes(of section: SegmentSection) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: mapped[section.offset..<(section.offset + section.length)])
    }

    private func verify(_ section: SegmentSection) throws(StorageError) {
        guard CRC32C.checksum(bytes(of: section)) == section.checksum else {
            throw StorageError(
                .corruption, "section \(section.kind) checksum mismatch", file: path, offset: Int64(section.offset))
        }
    }

    // MARK: Decoding the layout

    /// Decodes and checks the header, footer and section table of a whole segment image.
    private static func decodeLayout(
        _ bytes: UnsafeRawBufferPointer
    ) throws(StorageError) -> (UInt64, UInt16, [SegmentSection]) {
        typealias Header = SegmentFormat.Header
        typealias Footer = SegmentFormat.Footer
        typealias Entry = SegmentFormat.SectionEntry
        let size = bytes.count
        guard size >= Header.size + Footer.size else {
            throw StorageError(
                .corruption, "segment file is \(size) bytes, shorter than its header and footer", offset: Int64(size))
        }
        // Header.
        guard bytes.prefix(SegmentFormat.magic.count).elementsEqual(SegmentFormat.magic) else {
            throw StorageError(.corruption, "not a Quiver segment (bad magic)", offset: 0)
        }
        let version = bytes.loadLittleEndian(UInt16.self, at: Header.versionOffset)
        if version > SegmentFormat.version {
            throw StorageError(
                .unsupported,
                "segment written by a newer Quiver (format v\(version)), this build reads up to v\(SegmentFormat.version)",
                offset: Int64(Header.versionOffset))
        }
        let headerChecksum = bytes.loadLittleEndian(UInt32.self, at: Header.checksumOffset)
        guard
            CRC32C.unmask(headerChecksum)
                == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[..<Header.checksumOffset]))
        else {
            throw StorageError(.corruption, "segment header checksum mismatch", offset: Int64(Header.checksumOffset))
        }
        guard version >= 1 else {
            throw StorageError(
                .corruption, "segment format version 0 does not exist", offset: Int64(Header.versionOffset))
        }
        guard bytes.loadLittleEndian(UInt16.self, at: Header.flagsOffset) == 0 else {
            throw StorageError(
                .unsupported, "segment header has flags this build does not know", offset: Int64(Header.flagsOffset))
        }
        guard bytes.loadLittleEndian(UInt32.self, at: Header.reservedOffset) == 0,
            bytes.loadLittleEndian(UInt32.self, at: Header.reserved2Offset) == 0
        else {
            throw StorageError(
                .corruption, "segment header reserved bytes are not zero", offset: Int64(Header.reservedOffset))
        }
        let number = bytes.loadLittleEndian(UInt64.self, at: Header.numberOffset)

        // Footer: its size check comes before any offset from it is used.
        let footerStart = size - Footer.size
        let footer = UnsafeRawBufferPointer(rebasing: bytes[footerStart...])
        guard footer[Footer.magicOffset..<(Footer.magicOffset + 8)].elementsEqual(SegmentFormat.magic) else {
            throw StorageError(
                .corruption, "segment footer is missing (no magic at the end): the file is truncated, extended or torn",
                offset: Int64(footerStart + Footer.magicOffset))
        }
        let footerChecksum = footer.loadLittleEndian(UInt32.self, at: Footer.checksumOffset)
        guard
            CRC32C.unmask(footerChecksum)
                == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: footer[..<Footer.checksumOffset]))
        else {
            throw StorageError(
                .corruption, "segment footer checksum mismatch", offset: Int64(footerStart + Footer.checksumOffset))
        }
        let declaredLength = footer.loadLittleEndian(UInt64.self, at: Footer.fileLengthOffset)
        guard declaredLength == UInt64(size) else {
            throw StorageError(
                .corruption, "segment file is \(size) bytes, its footer says \(declaredLength): truncated or extended",
                offset: Int64(footerStart + Footer.fileLengthOffset))
        }
        guard footer.loadLittleEndian(UInt16.self, at: Footer.versionOffset) == version,
            footer.loadLittleEndian(UInt64.self, at: Footer.numberOffset) == number
        else {
            throw StorageError(
                .corruption, "segment footer disagrees with its header",
                offset: Int64(footerStart + Footer.numberOffset))
        }
        guard footer.loadLittleEndian(UInt16.self, at: Footer.flagsOffset) == 0 else {
            throw StorageError(
                .unsupported, "segment footer has flags this build does not know",
                offset: Int64(footerStart + Footer.flagsOffset))
        }

        // Section table: exactly between the sections and the footer.
        let count = Int(footer.loadLittleEndian(UInt32.self, at: Footer.sectionCountOffset))
        let tableOffset = footer.loadLittleEndian(UInt64.self, at: Footer.tableOffsetOffset)
        guard count <= SegmentFormat.maxSectionCount else {
            throw StorageError(
                .corruption, "segment declares \(count) sections",
                offset: Int64(footerStart + Footer.sectionCountOffset))
        }
        let tableLength = count * Entry.size
        guard tableLength <= footerStart - Header.size, tableOffset == UInt64(footerStart - tableLength) else {
            throw StorageError(
                .corruption,
                "segment section table offset \(tableOffset) does not fit \(count) entries before the footer",
                offset: Int64(footerStart + Footer.tableOffsetOffset))
        }
        let start = Int(tableOffset)
        let table = UnsafeRawBufferPointer(rebasing: bytes[start..<footerStart])
        let tableChecksum = footer.loadLittleEndian(UInt32.self, at: Footer.tableChecksumOffset)
        guard CRC32C.unmask(tableChecksum) == CRC32C.checksum(table) else {
            throw StorageError(.corruption, "segment section table checksum mismatch", offset: Int64(start))
        }
        var sections: [SegmentSection] = []
        sections.reserveCapacity(count)
        var kinds: Set<SegmentSectionKind> = []
        var previousEnd = Header.size
        for position in 0..<count {
            let base = position * Entry.size
            let entryOffset = Int64(start + base)
            let kind = SegmentSectionKind(rawValue: table.loadLittleEndian(UInt32.self, at: base + Entry.kindOffset))
            let flags = table.loadLittleEndian(UInt32.self, at: base + Entry.flagsOffset)
            let offset = table.loadLittleEndian(UInt64.self, at: base + Entry.offsetOffset)
            let length = table.loadLittleEndian(UInt64.self, at: base + Entry.lengthOffset)
            guard flags & ~Entry.compressedFlag == 0,
                table.loadLittleEndian(UInt32.self, at: base + Entry.reservedOffset) == 0
            else {
                throw StorageError(.corruption, "section \(kind) has unknown flags", offset: entryOffset)
            }
            // In file order, not overlapping, inside [header end, table start).
            guard offset >= UInt64(previousEnd), offset <= tableOffset, length <= tableOffset - offset else {
                throw StorageError(
                    .corruption,
                    "section \(kind) at \(offset), \(length) bytes, lies outside the file's data or overlaps another",
                    offset: entryOffset)
            }
            guard kinds.insert(kind).inserted else {
                throw StorageError(.corruption, "section \(kind) appears twice", offset: entryOffset)
            }
            let checksum = CRC32C.unmask(table.loadLittleEndian(UInt32.self, at: base + Entry.checksumOffset))
            sections.append(
                SegmentSection(
                    kind: kind, offset: Int(offset), length: Int(length), checksum: checksum,
                    isCompressed: flags & Entry.compressedFlag != 0))
            previousEnd = Int(offset + length)
        }
        return (number, version, sections)
    }
}
