/// The constants of the manifest format; `docs/file-format.md` is the prose specification.
///
/// A manifest file is a 32-byte header, then records: `checksum u32, length u32, payload`, where
/// the payload is one encoded ``ManifestEdit``. All integers are little-endian.
package enum ManifestFormat {
    /// `"QVMAN\r\n"` then `0x1A`.
    package static let magic: [UInt8] = [0x51, 0x56, 0x4D, 0x41, 0x4E, 0x0D, 0x0A, 0x1A]
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
        /// `manifestNumber`, u64: the number in the file's name.
        package static let numberOffset = 16
        /// `reserved`, u32, zero.
        package static let reserved2Offset = 24
        /// `checksum`, u32: masked CRC-32C of bytes 0..<28.
        package static let checksumOffset = 28
        /// Total size; the first record starts here.
        package static let size = 32
    }

    /// Record header layout.
    package enum RecordHeader {
        /// `checksum`, u32: masked CRC-32C of the `length` field's 4 bytes and the payload.
        package static let checksumOffset = 0
        /// `length`, u32: payload bytes.
        package static let lengthOffset = 4
        /// Total size; the payload follows.
        package static let size = 8
    }

    /// The largest record payload; a longer one is refused when written and corrupt when read.
    package static let maxRecordLength = 64 * 1024 * 1024

    /// The field tags of an encoded ``ManifestEdit``.
    package enum Tag: UInt8, CaseIterable {
        /// `u64`.
        case nextFileNumber = 1
        /// `u64`.
        case checkpointSequence = 2
        /// `number u64, level u32, byteCount u64, recordCount u64, minSequence u64, maxSequence u64, owner string`.
        case addedSegment = 3
        /// `number u64`.
        case removedSegment = 4
        /// `name string, value bytes`.
        case catalogSet = 5
        /// `name string`.
        case catalogRemoved = 6
    }

    /// `CURRENT` holds the live manifest's file name and a newline; anything longer is corrupt.
    package static let maxCurrentLength = 64
}

extension ManifestFormat {
    /// The bytes of one record holding `payload`: header and payload.
    package static func record(_ payload: [UInt8]) -> [UInt8] {
        var length: [UInt8] = []
        length.appendLittleEndian(UInt32(payload.count))
        var record: [UInt8] = []
        record.reserveCapacity(ManifestFormat.RecordHeader.size + payload.count)
        record.appendLittleEndian(CRC32C.mask(CRC32C.checksum(payload, extending: CRC32C.checksum(length))))
        record += length
        record += payload
        return record
    }

    /// The 32-byte header of manifest `number`.
    package static func header(number: UInt64) -> [UInt8] {
        var header = ManifestFormat.magic
        header.appendLittleEndian(ManifestFormat.version)
        header.appendLittleEndian(UInt16(0))
        header.appendLittleEndian(UInt32(0))
        header.appendLittleEndian(number)
        header.appendLittleEndian(UInt32(0))
        header.appendLittleEndian(CRC32C.mask(CRC32C.checksum(header)))
        return header
    }
}
