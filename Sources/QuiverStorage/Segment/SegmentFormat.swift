/// The constants of the segment file format; `docs/file-format.md` is the prose specification.
///
/// A segment is a 32-byte header, then sections (each padded to its alignment with zeros), then
/// the section table, then a 48-byte footer that ends the file. All integers are little-endian.
/// A reader finds everything from the footer, so it checks the footer's `fileLength` against the
/// file's size before it trusts any offset.
package enum SegmentFormat {
    /// `"QVSEG\r\n"` then `0x1A`, at the start of the header and again in the footer.
    package static let magic: [UInt8] = [0x51, 0x56, 0x53, 0x45, 0x47, 0x0D, 0x0A, 0x1A]
    /// The format version this build writes and the newest it reads.
    package static let version: UInt16 = 1

    /// File header layout (offset 0).
    package enum Header {
        /// `magic`, 8 bytes.
        package static let magicOffset = 0
        /// `version`, u16.
        package static let versionOffset = 8
        /// `flags`, u16, zero in version 1.
        package static let flagsOffset = 10
        /// `reserved`, u32, zero.
        package static let reservedOffset = 12
        /// `segmentNumber`, u64: the number in the file's name.
        package static let numberOffset = 16
        /// `reserved`, u32, zero.
        package static let reserved2Offset = 24
        /// `checksum`, u32: masked CRC-32C of bytes 0..<28.
        package static let checksumOffset = 28
        /// Total size; the first section starts at or after this offset.
        package static let size = 32
    }

    /// One entry of the section table.
    package enum SectionEntry {
        /// `kind`, u32: a ``SegmentSectionKind``.
        package static let kindOffset = 0
        /// `flags`, u32: bit 0 set for a compressed section; other bits zero.
        package static let flagsOffset = 4
        /// `offset`, u64: the section's first byte in the file.
        package static let offsetOffset = 8
        /// `length`, u64: the section's bytes (padding excluded).
        package static let lengthOffset = 16
        /// `checksum`, u32: masked CRC-32C of the section's bytes.
        package static let checksumOffset = 24
        /// `reserved`, u32, zero.
        package static let reservedOffset = 28
        /// Total size.
        package static let size = 32
        /// The `flags` bit of a compressed section.
        package static let compressedFlag: UInt32 = 1
    }

    /// File footer layout (the last 48 bytes of the file).
    package enum Footer {
        /// `tableOffset`, u64: where the section table starts.
        package static let tableOffsetOffset = 0
        /// `sectionCount`, u32: entries in the table.
        package static let sectionCountOffset = 8
        /// `tableChecksum`, u32: masked CRC-32C of the table.
        package static let tableChecksumOffset = 12
        /// `fileLength`, u64: the size of the whole file, footer included.
        package static let fileLengthOffset = 16
        /// `segmentNumber`, u64: the same as in the header.
        package static let numberOffset = 24
        /// `version`, u16: the same as in the header.
        package static let versionOffset = 32
        /// `flags`, u16, zero.
        package static let flagsOffset = 34
        /// `magic`, 8 bytes: the same as in the header.
        package static let magicOffset = 36
        /// `checksum`, u32: masked CRC-32C of bytes 0..<44 of the footer.
        package static let checksumOffset = 44
        /// Total size.
        package static let size = 48
    }

    /// The most sections one file may have (a larger count is corruption).
    package static let maxSectionCount = 4096
    /// The section table starts at a multiple of this.
    package static let tableAlignment = 8

    /// The layout of a compressed section: blocks, then a block index, then a trailer.
    package enum Compressed {
        /// Index entry: `offset`, u64, the block's first byte relative to the section start.
        package static let entryOffsetOffset = 0
        /// Index entry: `storedLength`, u32, the compressed bytes.
        package static let entryStoredLengthOffset = 8
        /// Index entry: `rawLength`, u32, the decompressed bytes.
        package static let entryRawLengthOffset = 12
        /// Index entry: `firstRecord`, u32, the index of the block's first record.
        package static let entryFirstRecordOffset = 16
        /// Index entry: `checksum`, u32, masked CRC-32C of the stored bytes.
        package static let entryChecksumOffset = 20
        /// Index entry size.
        package static let entrySize = 24

        /// Trailer: `recordCount`, u64.
        package static let recordCountOffset = 0
        /// Trailer: `blockCount`, u32.
        package static let blockCountOffset = 8
        /// Trailer: `codec`, u8, a ``BlockCodec/identifier``.
        package static let codecOffset = 12
        /// Trailer: 3 reserved bytes, zero.
        package static let reservedOffset = 13
        /// Trailer: `blockSize`, u32, the raw size the writer aimed at (informational).
        package static let blockSizeOffset = 16
        /// Trailer: `checksum`, u32, masked CRC-32C of the index and trailer bytes 0..<20.
        package static let checksumOffset = 20
        /// Trailer size.
        package static let trailerSize = 24

        /// The raw size a block is filled to before it is compressed (a larger record gets a block
        /// of its own).
        package static let targetBlockSize = 64 * 1024
        /// The largest raw block: a record may be at most this less its 4-byte length entry. It
        /// also bounds what a reader allocates for a block whose index passed its checksum.
        package static let maxRawBlockSize = 64 * 1024 * 1024
        /// The most records one compressed section holds (`firstRecord` is a u32).
        package static let maxRecordCount = Int(UInt32.max)
    }
}
