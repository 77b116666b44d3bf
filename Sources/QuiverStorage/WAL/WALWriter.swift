public import SystemPackage

/// Appends records to one WAL file: cuts each record into fragments that never cross a block
/// boundary, pads block tails shorter than a fragment header with zeros, and checksums each
/// fragment with the file's salt.
///
/// Not thread-safe: the ``WAL`` gives one writer to one leader at a time. Each call to
/// ``append(_:)`` issues a single write of every fragment of every record given, so a group of
/// records costs one `write(2)` and, with ``synchronize()``, one `fdatasync(2)`.
///
/// A failed write is rolled back: the file is truncated to where the write began and that is made
/// durable, so the failed records can never reappear after a crash. If the rollback itself fails
/// the writer is broken and refuses further appends.
public struct WALWriter: ~Copyable, Sendable {
    /// The file being written.
    public let path: FilePath
    /// The file's header.
    public let header: WALFileHeader
    /// The open file the writer appends to; the writer does not close it.
    public let file: FileIOHandle
    private let fileIO: any FileIO
    /// CRC-32C of the salt, the starting state of every fragment checksum.
    private let saltChecksum: UInt32
    /// The file size the writer maintains: where the next fragment (or padding) goes.
    public private(set) var offset: Int64
    /// Every byte before this offset has been made durable by ``synchronize()``.
    public private(set) var syncedOffset: Int64
    /// The sequence number of the last record appended, or `header.firstSequence - 1`.
    public private(set) var lastSequence: UInt64
    /// Set when a failed write could not be rolled back; the file's tail is then unknown.
    public private(set) var isBroken = false

    /// Writes a new file's header at offset 0 of the open, empty `file`.
    ///
    /// Does not sync: call ``synchronize()`` (and sync the directory) before acknowledging anything
    /// written to the file.
    ///
    /// - Parameters:
    ///   - fileIO: The file system.
    ///   - file: An open, empty, writable file; the writer does not close it.
    ///   - path: The file's path, for error messages.
    ///   - header: The header to write; `firstSequence` must be at least 1.
    /// - Throws: ``StorageError`` when the write fails.
    public init(fileIO: any FileIO, file: FileIOHandle, path: FilePath, header: WALFileHeader) throws(StorageError) {
        precondition(header.firstSequence >= 1, "sequence numbers start at 1")
        self.fileIO = fileIO
        self.file = file
        self.path = path
        self.header = header
        self.saltChecksum = Self.saltChecksum(header.salt)
        do {
            try fileIO.write(file, toAbsoluteOffset: 0, header.encoded())
        } catch {
            throw error.at(path, offset: 0)
        }
        self.offset = Int64(WALFormat.FileHeader.size)
        self.syncedOffset = 0
        self.lastSequence = header.firstSequence - 1
    }

    /// Appends one record with the next sequence number.
    ///
    /// - Returns: The record's sequence number.
    /// - Throws: See ``append(_:)``.
    @discardableResult
    public mutating func append(_ payload: [UInt8]) throws(StorageError) -> UInt64 {
        try append([payload])
        return lastSequence
    }

    /// Appends `payloads` as consecutive records with one write, numbering them from
    /// ``lastSequence`` + 1.
    ///
    /// - Throws: ``StorageError/Code/invalidArgument`` for a record over
    ///   `WALFormat.maxRecordLength`; the write's error after a successful rollback;
    ///   ``StorageError/Code/readOnly`` when the writer is broken.
    /// - Complexity: O(total payload bytes).
    public mutating func append(_ payloads: [[UInt8]]) throws(StorageError) {
        guard !isBroken else {
            throw StorageError(.readOnly, "the WAL writer is broken after a failed rollback", file: path)
        }
        for payload in payloads where payload.count > WALFormat.maxRecordLength {
            throw StorageError(
                .invalidArgument, "record of \(payload.count) bytes exceeds the \(WALFormat.maxRecordLength)-byte limit",
                file: path)
        }
        let start = offset
        var bytes: [UInt8] = []
        var position = offset
        var sequence = lastSequence
        for payload in payloads {
            sequence += 1
            Self.encode(payload, sequence: sequence, syncedTo: syncedOffset, saltChecksum: saltChecksum, at: &position, into: &bytes)
        }
        KillPoint.hit("wal.append.beforeWrite")
        do {
            try fileIO.write(file, toAbsoluteOffset: start, bytes)
        } catch {
            try rollBack(to: start, after: error)
        }
        KillPoint.hit("wal.append.afterWrite")
        offset = position
        lastSequence = sequence
    }

    /// Makes everything appended so far durable (`fdatasync`).
    ///
    /// - Throws: The sync's error. The caller must then treat the file as failed: retrying cannot
    ///   make the lost pages durable.
    public mutating func synchronize() throws(StorageError) {
        KillPoint.hit("wal.sync.before")
        do {
            try fileIO.synchronize(file, dataOnly: true)
        } catch {
            isBroken = true
            throw error.at(path)
        }
        KillPoint.hit("wal.sync.after")
        syncedOffset = offset
    }

    private mutating func rollBack(to start: Int64, after failure: StorageError) throws(StorageError) -> Never {
        do {
            try fileIO.resize(file, to: start)
            try fileIO.synchronize(file, dataOnly: true)
        } catch {
            isBroken = true
            throw StorageError(
                .readOnly, "WAL write failed (\(failure.code)) and rolling it back failed too (\(error.code))",
                file: path, offset: start)
        }
        throw failure.at(path, offset: start)
    }

    // MARK: Encoding

    /// The checksum state after the salt: the seed of every fragment checksum in the file.
    package static func saltChecksum(_ salt: UInt32) -> UInt32 {
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(salt)
        return CRC32C.checksum(bytes)
    }

    /// Appends the fragments of one record (and any block padding before them) to `bytes`, for a
    /// file whose write position is `position`, and advances `position`.
    ///
    /// - Complexity: O(`payload.count`).
    package static func encode(
        _ payload: [UInt8], sequence: UInt64, syncedTo: Int64, saltChecksum: UInt32,
        at position: inout Int64, into bytes: inout [UInt8]
    ) {
        let blockSize = Int64(WALFormat.blockSize)
        let headerSize = WALFormat.FragmentHeader.size
        var remaining = ArraySlice(payload)
        var isFirst = true
        repeat {
            let leftover = blockSize - position % blockSize
            if leftover < Int64(headerSize) {
                // Invariant: a block never ends with room for a header but no header.
                bytes.append(contentsOf: repeatElement(0, count: Int(leftover)))
                position += leftover
            }
            let available = Int(blockSize - position % blockSize) - headerSize
            let fragment = remaining.prefix(available)
            remaining = remaining.dropFirst(fragment.count)
            let isLast = remaining.isEmpty
            let type: WALFormat.RecordType =
                switch (isFirst, isLast) {
                case (true, true): .full
                case (true, false): .first
                case (false, true): .last
                case (false, false): .middle
                }
            let headerStart = bytes.count
            bytes.appendLittleEndian(UInt32(0))
            bytes.appendLittleEndian(UInt16(fragment.count))
            bytes.append(type.rawValue)
            bytes.append(0)
            bytes.appendLittleEndian(sequence)
            bytes.appendLittleEndian(UInt64(syncedTo))
            bytes.append(contentsOf: fragment)
            let crc = bytes.withUnsafeBytes { raw in
                let covered = UnsafeRawBufferPointer(rebasing: raw[(headerStart + 4)...])
                return CRC32C.checksum(covered, extending: saltChecksum)
            }
            withUnsafeBytes(of: CRC32C.mask(crc).littleEndian) { masked in
                for index in 0..<4 { bytes[headerStart + index] = masked[index] }
            }
            position += Int64(headerSize + fragment.count)
            isFirst = false
        } while !remaining.isEmpty
    }
}
