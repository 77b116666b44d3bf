public import SystemPackage

/// Reads the records of one manifest file image, in order, as ``ManifestEdit``s.
///
/// The manifest appends one record at a time and syncs it before the next, so a crash can damage
/// only the last record: cut it short, or leave zeros or garbage where its end should be. At
/// damage (a header cut short, a record reaching past the end of the file, a checksum mismatch)
/// the reader therefore looks for any intact record at a later offset. If there is none, the
/// damage is a *torn tail*: the reader stops there and reports the bytes in ``droppedTail``. If
/// there is one, durable records were damaged: that is corruption, and the reader throws. (A flip
/// in the last record's bits looks like a torn tail and is dropped too; the residual risk is the
/// same as a lost unsynced append.)
public struct ManifestReader: Sendable {
    /// The file the bytes came from, for error messages.
    public let path: FilePath?
    /// The manifest number in the file's header.
    public let number: UInt64
    /// The format version the file was written with.
    public let version: UInt16
    /// The offset after the last record read: where the next record starts, and the end of the
    /// valid bytes once ``next()`` returned `nil`.
    public private(set) var offset: Int
    /// The offset of the record ``next()`` returned last.
    public private(set) var recordOffset: Int
    /// Bytes dropped as a torn tail (at ``offset``), once ``next()`` has returned `nil`.
    public private(set) var droppedTail: Int?
    private let bytes: [UInt8]

    /// Checks the file header of a manifest image.
    ///
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - path: The file's path, for error messages.
    /// - Throws: ``StorageError/Code/unsupported`` for a newer format version (or unknown flags),
    ///   ``StorageError/Code/corruption`` for a short or damaged header.
    public init(bytes: [UInt8], path: FilePath? = nil) throws(StorageError) {
        typealias Header = ManifestFormat.Header
        self.bytes = bytes
        self.path = path
        guard bytes.count >= Header.size else {
            throw StorageError(
                .corruption, "manifest header is incomplete (\(bytes.count) of \(Header.size) bytes)", file: path,
                offset: 0)
        }
        guard bytes.prefix(ManifestFormat.magic.count).elementsEqual(ManifestFormat.magic) else {
            throw StorageError(.corruption, "not a Quiver manifest (bad magic)", file: path, offset: 0)
        }
        let header = bytes.prefix(Header.size)
        let version = header.loadLittleEndian(UInt16.self, at: Header.versionOffset)
        if version > ManifestFormat.version {
            throw StorageError(
                .unsupported,
                "manifest written by a newer Quiver (format v\(version)), this build reads up to v\(ManifestFormat.version)",
                file: path, offset: Int64(Header.versionOffset))
        }
        let stored = header.loadLittleEndian(UInt32.self, at: Header.checksumOffset)
        guard CRC32C.unmask(stored) == CRC32C.checksum(header.prefix(Header.checksumOffset)) else {
            throw StorageError(
                .corruption, "manifest header checksum mismatch", file: path, offset: Int64(Header.checksumOffset))
        }
        guard version >= 1 else {
            throw StorageError(
                .corruption, "manifest format version 0 does not exist", file: path, offset: Int64(Header.versionOffset)
            )
        }
        guard header.loadLittleEndian(UInt16.self, at: Header.flagsOffset) == 0 else {
            throw StorageError(
                .unsupported, "manifest header has flags this build does not know", file: path,
                offset: Int64(Header.flagsOffset))
        }
        guard header.loadLittleEndian(UInt32.self, at: Header.reservedOffset) == 0,
            header.loadLittleEndian(UInt32.self, at: Header.reserved2Offset) == 0
        else {
            throw StorageError(
                .corruption, "manifest header reserved bytes are not zero", file: path,
                offset: Int64(Header.reservedOffset))
        }
        self.version = version
        self.number = header.loadLittleEndian(UInt64.self, at: Header.numberOffset)
        self.offset = Header.size
        self.recordOffset = Header.size
    }

    /// The next edit, or `nil` at the end of the file or at a torn tail.
    ///
    /// - Throws: ``StorageError/Code/corruption`` naming the file and offset for a damaged record
    ///   that is not the last, or a record whose payload passes its checksum but does not decode.
    /// - Complexity: O(record length).
    public mutating func next() throws(StorageError) -> ManifestEdit? {
        typealias Record = ManifestFormat.RecordHeader
        guard droppedTail == nil, offset < bytes.count else { return nil }
        let start = offset
        let remaining = bytes.count - start
        guard remaining >= Record.size else { return try damaged(at: start, "record header cut short") }
        let header = bytes[start..<(start + Record.size)]
        let length = Int(header.loadLittleEndian(UInt32.self, at: Record.lengthOffset))
        guard length <= remaining - Record.size, length <= ManifestFormat.maxRecordLength else {
            return try damaged(at: start, "record of \(length) bytes reaches past the end of the file")
        }
        let end = start + Record.size + length
        let checksum = CRC32C.checksum(bytes[(start + Record.lengthOffset)..<end])
        guard CRC32C.unmask(header.loadLittleEndian(UInt32.self, at: Record.checksumOffset)) == checksum else {
            return try damaged(at: start, "record checksum mismatch")
        }
        let decoded: Result<ManifestEdit, StorageError> = bytes[(start + Record.size)..<end].withUnsafeBytes {
            payload in
            Result { () throws(StorageError) in try ManifestEdit(encoded: payload) }
        }
        let edit: ManifestEdit
        do throws(StorageError) {
            edit = try decoded.get()
        } catch {
            throw StorageError(
                error.code, error.message, file: path, offset: Int64(start + Record.size) + (error.offset ?? 0))
        }
        recordOffset = start
        offset = end
        return edit
    }

    /// Damage at `start`: a torn tail when no intact record follows, else corruption.
    private mutating func damaged(at start: Int, _ what: String) throws(StorageError) -> ManifestEdit? {
        switch intactRecordExists(after: start) {
        case false?:
            droppedTail = bytes.count - start
            return nil
        case true?:
            throw StorageError(
                .corruption, "manifest \(what), with an intact record after it", file: path, offset: Int64(start))
        case nil:
            throw StorageError(
                .corruption, "manifest \(what); too much damaged data after it to tell a torn tail from corruption",
                file: path,
                offset: Int64(start))
        }
    }

    /// Whether a record passing its checksum starts at any offset after `start`; `nil` when
    /// checking would take more than 64 MiB of checksumming (crafted input).
    private func intactRecordExists(after start: Int) -> Bool? {
        typealias Record = ManifestFormat.RecordHeader
        return bytes.withUnsafeBytes { (file: UnsafeRawBufferPointer) -> Bool? in
            var budget = 64 << 20
            var candidate = start + 1
            while candidate <= file.count - Record.size {
                let length = Int(file.loadLittleEndian(UInt32.self, at: candidate + Record.lengthOffset))
                if length <= file.count - candidate - Record.size, length <= ManifestFormat.maxRecordLength {
                    budget -= length + 4
                    if budget < 0 { return nil }
                    let covered = UnsafeRawBufferPointer(
                        rebasing: file[(candidate + Record.lengthOffset)..<(candidate + Record.size + length)])
                    if CRC32C.unmask(file.loadLittleEndian(UInt32.self, at: candidate)) == CRC32C.checksum(covered) {
                        return true
                    }
                }
                candidate += 1
            }
            return false
        }
    }
}
