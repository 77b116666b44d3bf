public import SystemPackage

/// Reads the records of one WAL file in order, handling damage as its ``WALRecoveryMode`` says.
///
/// Damage never traps: every length is checked against the block and the file before it is used,
/// and each region the reader drops or skips is passed to the reporter. Reading is block by block
/// (32 KiB), so memory stays bounded by the largest record.
///
/// ```swift
/// var reader = try WALReader(fileIO: io, file: handle, path: path, mode: .tolerateCorruptedTail) { print($0) }
/// while let record = try reader.next() { apply(record) }
/// ```
public struct WALReader {
    /// How the read ended.
    public enum Status: Sendable, Hashable {
        /// Records remain to be read.
        case reading
        /// The file ended cleanly after its last record (possibly followed by zeros).
        case clean
        /// A torn tail was dropped from ``validEnd`` on.
        case droppedTail
        /// ``WALRecoveryMode/pointInTime`` stopped at damage; everything from ``validEnd`` on was dropped.
        case stoppedAtCorruption
    }

    private enum Source {
        case file(any FileIO, FileIOHandle)
        case memory([UInt8])
    }

    private struct Fragment {
        var offset: Int64
        var type: WALFormat.RecordType
        var sequence: UInt64
        var payload: Range<Int>
        var end: Int64
    }

    private enum Physical {
        case endOfFile
        case skip(to: Int64)
        case fragment(Fragment)
        case zeros
        case damaged(String)
    }

    private struct Pending {
        var start: Int64
        var sequence: UInt64
        var payload: [UInt8]
    }

    /// The file's header.
    public let header: WALFileHeader
    /// The file being read, or `nil` for bytes in memory.
    public let path: FilePath?
    /// The damage policy.
    public let mode: WALRecoveryMode
    /// The file's size when the reader was created.
    public let fileSize: Int64
    /// The end of the last good record (the header's end before any): where a repair truncates.
    public private(set) var validEnd: Int64
    /// The sequence number of the last record returned, `nil` before the first.
    public private(set) var lastSequence: UInt64?
    /// How the read ended, once ``next()`` has returned `nil`.
    public private(set) var status: Status = .reading

    private let source: Source
    private let reporter: (WALReadReport) -> Void
    private let saltChecksum: UInt32
    private var cursor: Int64
    private var pending: Pending?
    private var skippedDamage = false
    private var block: [UInt8] = []
    private var blockIndex: Int64 = -1

    /// A reader of the open file `file`, which the caller keeps open while reading and closes after.
    ///
    /// - Parameters:
    ///   - fileIO: The file system.
    ///   - file: An open, readable WAL file.
    ///   - path: The file's path, for errors and reports.
    ///   - mode: What to do about damage.
    ///   - reporter: Receives each dropped or skipped region.
    /// - Throws: ``StorageError/Code/unsupported`` for a newer format version;
    ///   ``StorageError/Code/corruption`` (at offset 0) for a missing or damaged file header;
    ///   ``StorageError/Code/io(_:)`` for read failures.
    public init(
        fileIO: any FileIO, file: FileIOHandle, path: FilePath, mode: WALRecoveryMode = .tolerateCorruptedTail,
        reporter: @escaping (WALReadReport) -> Void = { _ in }
    ) throws(StorageError) {
        let size: Int64
        let headerBytes: [UInt8]
        do {
            size = try fileIO.size(of: file)
            headerBytes = try fileIO.read(file, fromAbsoluteOffset: 0, count: WALFormat.FileHeader.size)
        } catch {
            throw error.at(path)
        }
        try self.init(source: .file(fileIO, file), headerBytes: headerBytes, size: size, path: path, mode: mode, reporter: reporter)
    }

    /// A reader of a WAL file image held in memory (a backup stream, a fuzzer's input).
    ///
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - mode: What to do about damage.
    ///   - reporter: Receives each dropped or skipped region.
    /// - Throws: As ``init(fileIO:file:path:mode:reporter:)``.
    public init(
        bytes: [UInt8], mode: WALRecoveryMode = .tolerateCorruptedTail, reporter: @escaping (WALReadReport) -> Void = { _ in }
    ) throws(StorageError) {
        try self.init(
            source: .memory(bytes), headerBytes: Array(bytes.prefix(WALFormat.FileHeader.size)), size: Int64(bytes.count),
            path: nil, mode: mode, reporter: reporter)
    }

    private init(
        source: Source, headerBytes: [UInt8], size: Int64, path: FilePath?, mode: WALRecoveryMode,
        reporter: @escaping (WALReadReport) -> Void
    ) throws(StorageError) {
        do {
            header = try WALFileHeader.decode(ArraySlice(headerBytes))
        } catch {
            throw path.map { error.at($0) } ?? error
        }
        self.source = source
        self.path = path
        self.mode = mode
        self.fileSize = size
        self.reporter = reporter
        self.saltChecksum = WALWriter.saltChecksum(header.salt)
        self.cursor = Int64(WALFormat.FileHeader.size)
        self.validEnd = cursor
    }

    /// Reads every remaining record.
    ///
    /// - Throws: As ``next()``.
    /// - Complexity: O(file size).
    public mutating func readAll() throws(StorageError) -> [WALRecord] {
        var records: [WALRecord] = []
        while let record = try next() { records.append(record) }
        return records
    }

    /// The next record, or `nil` at the end of the readable records.
    ///
    /// - Throws: ``StorageError/Code/corruption`` naming the file and offset when the mode refuses
    ///   the damage it met; ``StorageError/Code/io(_:)`` when a read fails.
    /// - Complexity: O(record size) normally; after damage, O(rest of file) to look for valid records.
    public mutating func next() throws(StorageError) -> WALRecord? {
        while status == .reading {
            switch try readPhysical(at: cursor) {
            case .endOfFile:
                if let pending {
                    try damage(hole: pending.start, at: cursor, "record ends without its last fragment at end of file", scanFrom: cursor)
                } else {
                    status = .clean
                }
            case .skip(let next):
                cursor = next
            case .zeros:
                if pending == nil, try restIsZero(from: cursor) {
                    if fileSize > cursor {
                        report(.zeroFilledTail, at: cursor, count: fileSize - cursor, "zero-filled tail")
                    }
                    status = .clean
                } else {
                    try damage(hole: pending?.start ?? cursor, at: cursor, "zeroed fragment header", scanFrom: cursor + 1)
                }
            case .damaged(let reason):
                try damage(hole: pending?.start ?? cursor, at: cursor, reason, scanFrom: cursor + 1)
            case .fragment(let fragment):
                if let record = try assemble(fragment) { return record }
            }
        }
        return nil
    }

    // MARK: Logical records

    private mutating func assemble(_ fragment: Fragment) throws(StorageError) -> WALRecord? {
        switch fragment.type {
        case .full, .first:
            if let pending {
                try damage(
                    hole: pending.start, at: fragment.offset, "record ends without its last fragment", scanFrom: fragment.offset)
                return nil
            }
            guard isExpected(fragment.sequence) else {
                try damage(hole: fragment.offset, at: fragment.offset, "sequence number out of order", scanFrom: fragment.offset + 1)
                return nil
            }
            let payload = Array(block[fragment.payload])
            cursor = fragment.end
            if fragment.type == .full {
                return deliver(WALRecord(sequence: fragment.sequence, payload: payload, offset: fragment.offset))
            }
            pending = Pending(start: fragment.offset, sequence: fragment.sequence, payload: payload)
            return nil
        case .middle, .last:
            guard var record = pending, record.sequence == fragment.sequence else {
                let reason = pending == nil ? "fragment without the start of its record" : "fragment of a different record"
                try damage(hole: pending?.start ?? fragment.offset, at: fragment.offset, reason, scanFrom: fragment.offset + 1)
                return nil
            }
            guard fragment.payload.count <= WALFormat.maxRecordLength - record.payload.count else {
                try damage(hole: record.start, at: fragment.offset, "record exceeds the maximum length", scanFrom: fragment.offset + 1)
                return nil
            }
            pending = nil
            record.payload.append(contentsOf: block[fragment.payload])
            cursor = fragment.end
            if fragment.type == .last {
                return deliver(WALRecord(sequence: record.sequence, payload: record.payload, offset: record.start))
            }
            pending = record
            return nil
        }
    }

    private func isExpected(_ sequence: UInt64) -> Bool {
        let previous = lastSequence ?? (header.firstSequence == 0 ? nil : header.firstSequence - 1)
        guard let previous else { return skippedDamage || sequence == 0 }
        if skippedDamage { return sequence > previous }
        return previous < .max && sequence == previous + 1
    }

    private mutating func deliver(_ record: WALRecord) -> WALRecord {
        lastSequence = record.sequence
        validEnd = cursor
        return record
    }

    // MARK: Damage

    /// Applies the recovery mode to damage found at `offset`, where the affected record began at `hole`.
    private mutating func damage(hole: Int64, at offset: Int64, _ reason: String, scanFrom: Int64) throws(StorageError) {
        pending = nil
        switch mode {
        case .absoluteConsistency:
            throw StorageError(.corruption, "WAL damaged: \(reason)", file: path, offset: offset)
        case .tolerateCorruptedTail:
            if let evidence = try findValidFragment(from: scanFrom, syncedAbove: hole) {
                throw StorageError(
                    .corruption,
                    "WAL damaged: \(reason), and a record at offset \(evidence) was written after these bytes were durable (not a torn tail)",
                    file: path, offset: offset)
            }
            report(.tornTail, at: hole, count: fileSize - hole, reason)
            status = .droppedTail
        case .pointInTime:
            let isTail = try findValidFragment(from: scanFrom, syncedAbove: hole) == nil
            report(isTail ? .tornTail : .droppedAfterCorruption, at: hole, count: fileSize - hole, reason)
            status = isTail ? .droppedTail : .stoppedAtCorruption
        case .skipCorrupted:
            if let next = try findValidFragment(from: max(scanFrom, hole), syncedAbove: nil) {
                report(.skippedCorruption, at: hole, count: next - hole, reason)
                skippedDamage = true
                cursor = next
            } else {
                report(.tornTail, at: hole, count: fileSize - hole, reason)
                status = .droppedTail
            }
        }
    }

    private func report(_ kind: WALReadReport.Kind, at offset: Int64, count: Int64, _ reason: String) {
        reporter(WALReadReport(kind: kind, file: path, offset: offset, byteCount: count, reason: reason))
    }

    // MARK: Physical fragments

    private mutating func readPhysical(at offset: Int64) throws(StorageError) -> Physical {
        let blockSize = Int64(WALFormat.blockSize)
        let headerSize = WALFormat.FragmentHeader.size
        guard offset < fileSize else { return .endOfFile }
        let inBlock = Int(offset % blockSize)
        if WALFormat.blockSize - inBlock < headerSize {
            let next = offset - Int64(inBlock) + blockSize
            return next <= fileSize ? .skip(to: next) : .damaged("file ends inside block padding")
        }
        try load(block: offset / blockSize)
        guard block.count - inBlock >= headerSize else {
            return block[inBlock...].allSatisfy { $0 == 0 } ? .zeros : .damaged("file ends inside a fragment header")
        }
        return block.withUnsafeBytes { raw in
            let header = UnsafeRawBufferPointer(rebasing: raw[inBlock..<(inBlock + headerSize)])
            if header.allSatisfy({ $0 == 0 }) { return .zeros }
            switch checkFragment(raw, at: inBlock) {
            case .success(let fragment):
                return .fragment(Fragment(
                    offset: offset, type: fragment.type, sequence: fragment.sequence,
                    payload: (inBlock + headerSize)..<(inBlock + headerSize + fragment.length),
                    end: offset + Int64(headerSize + fragment.length)))
            case .failure(let problem):
                return .damaged(problem.description)
            }
        }
    }

    private enum FragmentProblem: Error, CustomStringConvertible {
        case unknownType(UInt8), unknownFlags(UInt8), crossesBlock(Int), pastEndOfFile(Int), checksum, syncedAhead
        var description: String {
            switch self {
            case .unknownType(let type): "unknown fragment type \(type)"
            case .unknownFlags(let flags): "unknown fragment flags \(flags)"
            case .crossesBlock(let length): "fragment length \(length) crosses the block boundary"
            case .pastEndOfFile(let length): "fragment of \(length) bytes is cut off by the end of the file"
            case .checksum: "checksum mismatch"
            case .syncedAhead: "syncedTo lies beyond the fragment"
            }
        }
    }

    private struct CheckedFragment {
        var type: WALFormat.RecordType
        var length: Int
        var sequence: UInt64
        var syncedTo: UInt64
    }

    /// Validates the fragment header at `inBlock` of the loaded block (at least a header's bytes remain).
    private func checkFragment(_ raw: UnsafeRawBufferPointer, at inBlock: Int) -> Result<CheckedFragment, FragmentProblem> {
        typealias Layout = WALFormat.FragmentHeader
        let typeByte = raw[inBlock + Layout.typeOffset]
        guard let type = WALFormat.RecordType(rawValue: typeByte) else { return .failure(.unknownType(typeByte)) }
        let flags = raw[inBlock + Layout.flagsOffset]
        guard flags == 0 else { return .failure(.unknownFlags(flags)) }
        let length = Int(raw.loadLittleEndian(UInt16.self, at: inBlock + Layout.lengthOffset))
        guard length <= WALFormat.blockSize - inBlock - Layout.size else { return .failure(.crossesBlock(length)) }
        let end = inBlock + Layout.size + length
        guard end <= raw.count else { return .failure(.pastEndOfFile(length)) }
        let stored = raw.loadLittleEndian(UInt32.self, at: inBlock + Layout.checksumOffset)
        let covered = UnsafeRawBufferPointer(rebasing: raw[(inBlock + Layout.lengthOffset)..<end])
        guard CRC32C.unmask(stored) == CRC32C.checksum(covered, extending: saltChecksum) else { return .failure(.checksum) }
        let syncedTo = raw.loadLittleEndian(UInt64.self, at: inBlock + Layout.syncedToOffset)
        let offset = UInt64(blockIndex) * UInt64(WALFormat.blockSize) + UInt64(inBlock)
        guard syncedTo <= offset else { return .failure(.syncedAhead) }
        return .success(CheckedFragment(
            type: type, length: length, sequence: raw.loadLittleEndian(UInt64.self, at: inBlock + Layout.sequenceOffset),
            syncedTo: syncedTo))
    }

    /// The offset of the first valid fragment at or after `start` (whose `syncedTo` exceeds
    /// `syncedAbove`, when given), scanning every byte offset.
    private mutating func findValidFragment(from start: Int64, syncedAbove: Int64?) throws(StorageError) -> Int64? {
        let blockSize = Int64(WALFormat.blockSize)
        let headerSize = WALFormat.FragmentHeader.size
        var blockNumber = max(start, Int64(WALFormat.FileHeader.size)) / blockSize
        var first = Int(max(start, Int64(WALFormat.FileHeader.size)) - blockNumber * blockSize)
        while blockNumber * blockSize < fileSize {
            try load(block: blockNumber)
            let found: Int? = block.withUnsafeBytes { raw in
                let lastStart = min(raw.count, WALFormat.blockSize) - headerSize
                guard first <= lastStart else { return nil }
                for inBlock in first...lastStart {
                    // Cheap filters first: a random position passes them about once in 16,000.
                    guard raw[inBlock + WALFormat.FragmentHeader.flagsOffset] == 0,
                        (1...4).contains(raw[inBlock + WALFormat.FragmentHeader.typeOffset])
                    else { continue }
                    guard case .success(let fragment) = checkFragment(raw, at: inBlock) else { continue }
                    if let syncedAbove, fragment.syncedTo <= UInt64(syncedAbove) { continue }
                    return inBlock
                }
                return nil
            }
            if let found { return blockNumber * blockSize + Int64(found) }
            blockNumber += 1
            first = 0
        }
        return nil
    }

    private mutating func restIsZero(from offset: Int64) throws(StorageError) -> Bool {
        let blockSize = Int64(WALFormat.blockSize)
        var blockNumber = offset / blockSize
        var first = Int(offset % blockSize)
        while blockNumber * blockSize < fileSize {
            try load(block: blockNumber)
            guard first >= block.count || block[first...].allSatisfy({ $0 == 0 }) else { return false }
            blockNumber += 1
            first = 0
        }
        return true
    }

    private mutating func load(block index: Int64) throws(StorageError) {
        guard index != blockIndex else { return }
        let start = index * Int64(WALFormat.blockSize)
        let count = Int(min(Int64(WALFormat.blockSize), fileSize - start))
        switch source {
        case .memory(let bytes):
            block = Array(bytes[Int(start)..<(Int(start) + count)])
        case .file(let fileIO, let file):
            do {
                block = try fileIO.read(file, fromAbsoluteOffset: start, count: count)
            } catch {
                blockIndex = -1
                throw path.map { error.at($0, offset: start) } ?? error
            }
            if block.count < count {
                blockIndex = -1
                throw StorageError(.io(.ioError), "file shrank while being read", file: path, offset: start + Int64(block.count))
            }
        }
        blockIndex = index
    }
}

/// A reader is a cursor owned by one task.
@available(*, unavailable)
extension WALReader: Sendable {}
