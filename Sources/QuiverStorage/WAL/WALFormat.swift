/// The constants of the write-ahead log format; `docs/format/wal.md` is the prose specification.
///
/// A WAL file is a 36-byte file header followed by records cut into fragments that never cross a
/// 32 KiB block boundary. All integers are little-endian. Block 0 starts at file offset 0, so the
/// file header occupies the first 36 bytes of block 0.
package enum WALFormat {
    // MARK: File header

    /// `"QVWAL\r\n"` then `0x1A`: ASCII names the format, CR LF catches newline translation, and
    /// 0x1A (Ctrl-Z) stops a DOS `type` before binary follows.
    package static let magic: [UInt8] = [0x51, 0x56, 0x57, 0x41, 0x4C, 0x0D, 0x0A, 0x1A]
    /// The format version this build writes and the newest it reads.
    package static let version: UInt16 = 1

    /// File header layout: field offsets and total size.
    package enum FileHeader {
        /// `magic`, 8 bytes.
        package static let magicOffset = 0
        /// `version`, u16.
        package static let versionOffset = 8
        /// `flags`, u16, zero in version 1.
        package static let flagsOffset = 10
        /// `salt`, u32: random per file, mixed into every record checksum.
        package static let saltOffset = 12
        /// `logNumber`, u64: the number in the file's name.
        package static let logNumberOffset = 16
        /// `firstSequence`, u64: the sequence number the file's first record has (or would have).
        package static let firstSequenceOffset = 24
        /// `checksum`, u32: masked CRC-32C of bytes 0..<32.
        package static let checksumOffset = 32
        /// Total size; records start here.
        package static let size = 36
    }

    // MARK: Blocks and fragments

    /// Fragments never cross a multiple of this file offset.
    package static let blockSize = 32 * 1024

    /// Fragment header layout: field offsets and total size.
    package enum FragmentHeader {
        /// `checksum`, u32: masked CRC-32C of (salt as u32, bytes 4..<24 of this header, payload).
        package static let checksumOffset = 0
        /// `length`, u16: payload bytes in this fragment.
        package static let lengthOffset = 4
        /// `type`, u8: a ``RecordType``.
        package static let typeOffset = 6
        /// `flags`, u8, zero in version 1.
        package static let flagsOffset = 7
        /// `sequence`, u64: the logical record's sequence number (same in every fragment).
        package static let sequenceOffset = 8
        /// `syncedTo`, u64: every byte of the file before this offset had been made durable when
        /// this fragment was written. Lets recovery tell a lost unsynced write from damaged durable data.
        package static let syncedToOffset = 16
        /// Total size.
        package static let size = 24
    }

    /// The most payload one fragment can carry (a whole block less its header).
    package static let maxFragmentPayload = blockSize - FragmentHeader.size

    /// The largest logical record, in bytes; larger appends are refused and larger records are corrupt.
    package static let maxRecordLength = 256 * 1024 * 1024

    /// The type byte of a fragment. 0 is never written: zeros are preallocated or unwritten space.
    package enum RecordType: UInt8, Sendable, CaseIterable {
        /// A whole record in one fragment.
        case full = 1
        /// The first fragment of a record that continues in the next block.
        case first = 2
        /// A fragment between the first and the last.
        case middle = 3
        /// The last fragment of a record.
        case last = 4
    }
}

/// The decoded file header of a WAL file.
public struct WALFileHeader: Sendable, Hashable {
    /// The format version the file was written with.
    public var version: UInt16
    /// Random per file; records from another file (a recycled one) fail their checksum.
    public var salt: UInt32
    /// The number in the file's name.
    public var logNumber: UInt64
    /// The sequence number of the file's first record.
    public var firstSequence: UInt64

    /// A version-1 header.
    public init(salt: UInt32, logNumber: UInt64, firstSequence: UInt64) {
        self.version = WALFormat.version
        self.salt = salt
        self.logNumber = logNumber
        self.firstSequence = firstSequence
    }

    /// The 36 encoded bytes.
    package func encoded() -> [UInt8] {
        var bytes = WALFormat.magic
        bytes.reserveCapacity(WALFormat.FileHeader.size)
        bytes.appendLittleEndian(version)
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(salt)
        bytes.appendLittleEndian(logNumber)
        bytes.appendLittleEndian(firstSequence)
        bytes.appendLittleEndian(CRC32C.mask(CRC32C.checksum(bytes)))
        assert(bytes.count == WALFormat.FileHeader.size)
        return bytes
    }

    /// Decodes a header from the first bytes of a file.
    ///
    /// - Throws: ``StorageError/Code/unsupported`` for a newer version, ``StorageError/Code/corruption``
    ///   for anything else wrong (short, wrong magic, bad checksum, unknown flags).
    package static func decode(_ bytes: ArraySlice<UInt8>) throws(StorageError) -> WALFileHeader {
        typealias Layout = WALFormat.FileHeader
        guard bytes.count >= Layout.size else {
            throw StorageError(.corruption, "WAL file header is incomplete (\(bytes.count) of \(Layout.size) bytes)", offset: 0)
        }
        let header = bytes.prefix(Layout.size)
        guard header.prefix(WALFormat.magic.count).elementsEqual(WALFormat.magic) else {
            throw StorageError(.corruption, "not a Quiver WAL file (bad magic)", offset: 0)
        }
        let version = header.loadLittleEndian(UInt16.self, at: Layout.versionOffset)
        if version > WALFormat.version {
            throw StorageError(
                .unsupported,
                "WAL format version \(version) is newer than this build reads (version \(WALFormat.version)); open it with a newer Quiver",
                offset: Int64(Layout.versionOffset))
        }
        let stored = header.loadLittleEndian(UInt32.self, at: Layout.checksumOffset)
        guard CRC32C.unmask(stored) == CRC32C.checksum(header.prefix(Layout.checksumOffset)) else {
            throw StorageError(.corruption, "WAL file header checksum mismatch", offset: Int64(Layout.checksumOffset))
        }
        guard version >= 1 else {
            throw StorageError(.corruption, "WAL format version 0 does not exist", offset: Int64(Layout.versionOffset))
        }
        guard header.loadLittleEndian(UInt16.self, at: Layout.flagsOffset) == 0 else {
            throw StorageError(.unsupported, "WAL file header has flags this build does not know", offset: Int64(Layout.flagsOffset))
        }
        var decoded = WALFileHeader(
            salt: header.loadLittleEndian(UInt32.self, at: Layout.saltOffset),
            logNumber: header.loadLittleEndian(UInt64.self, at: Layout.logNumberOffset),
            firstSequence: header.loadLittleEndian(UInt64.self, at: Layout.firstSequenceOffset))
        decoded.version = version
        return decoded
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` in little-endian byte order.
    package mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

extension UnsafeRawBufferPointer {
    /// The little-endian `T` at byte `offset`, loaded unaligned.
    ///
    /// - Precondition: The bytes are in range (callers check lengths before decoding).
    package func loadLittleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        precondition(offset >= 0 && offset <= count - MemoryLayout<T>.size, "little-endian load out of range")
        return T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

extension ArraySlice where Element == UInt8 {
    /// The little-endian `T` at `offset` bytes past `startIndex`, loaded unaligned.
    ///
    /// - Precondition: The bytes are in range (callers check lengths before decoding).
    package func loadLittleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        withUnsafeBytes { $0.loadLittleEndian(type, at: offset) }
    }
}
