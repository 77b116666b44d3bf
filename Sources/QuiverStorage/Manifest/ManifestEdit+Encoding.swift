extension ManifestEdit {
    /// The edit as a manifest record payload: tagged fields, little-endian.
    ///
    /// Fields come in a fixed order (tags 1, 2, then removed segments ascending, added segments by
    /// number, removed catalog names and set catalog entries by name), so equal edits encode to
    /// equal bytes. Strings and byte strings are a u32 length and the bytes.
    ///
    /// - Complexity: O(encoded size).
    public func encoded() -> [UInt8] {
        typealias Tag = ManifestFormat.Tag
        var bytes: [UInt8] = []
        if let nextFileNumber {
            bytes.append(Tag.nextFileNumber.rawValue)
            bytes.appendLittleEndian(nextFileNumber)
        }
        if let checkpointSequence {
            bytes.append(Tag.checkpointSequence.rawValue)
            bytes.appendLittleEndian(checkpointSequence)
        }
        for number in removedSegments.sorted() {
            bytes.append(Tag.removedSegment.rawValue)
            bytes.appendLittleEndian(number)
        }
        for segment in addedSegments.sorted(by: { $0.number < $1.number }) {
            bytes.append(Tag.addedSegment.rawValue)
            bytes.appendLittleEndian(segment.number)
            bytes.appendLittleEndian(UInt32(segment.level))
            bytes.appendLittleEndian(UInt64(segment.byteCount))
            bytes.appendLittleEndian(UInt64(segment.recordCount))
            bytes.appendLittleEndian(segment.minSequence)
            bytes.appendLittleEndian(segment.maxSequence)
            Self.appendBytes(Array(segment.owner.utf8), to: &bytes)
        }
        for name in catalogRemoved.sorted() {
            bytes.append(Tag.catalogRemoved.rawValue)
            Self.appendBytes(Array(name.utf8), to: &bytes)
        }
        for (name, value) in catalogSet.sorted(by: { $0.key < $1.key }) {
            bytes.append(Tag.catalogSet.rawValue)
            Self.appendBytes(Array(name.utf8), to: &bytes)
            Self.appendBytes(value, to: &bytes)
        }
        return bytes
    }

    /// Decodes a manifest record payload.
    ///
    /// - Parameter bytes: One payload, as ``encoded()`` writes it.
    /// - Throws: ``StorageError/Code/corruption`` with the offset in `bytes` for an unknown tag, a
    ///   field cut short, a repeated single field or catalog name, a value out of range, or a name
    ///   that is not UTF-8.
    /// - Complexity: O(`bytes.count`).
    public init(encoded bytes: UnsafeRawBufferPointer) throws(StorageError) {
        typealias Tag = ManifestFormat.Tag
        var cursor = Cursor(bytes: bytes)
        self.init()
        var seenCatalog: Set<String> = []
        while !cursor.isAtEnd {
            let at = cursor.offset
            let raw = try cursor.readInteger(UInt8.self)
            guard let tag = Tag(rawValue: raw) else { throw cursor.corruption("unknown field tag \(raw)", at: at) }
            switch tag {
            case .nextFileNumber:
                guard nextFileNumber == nil else { throw cursor.corruption("nextFileNumber appears twice", at: at) }
                nextFileNumber = try cursor.readInteger(UInt64.self)
            case .checkpointSequence:
                guard checkpointSequence == nil else {
                    throw cursor.corruption("checkpointSequence appears twice", at: at)
                }
                checkpointSequence = try cursor.readInteger(UInt64.self)
            case .addedSegment:
                let number = try cursor.readInteger(UInt64.self)
                let level = try cursor.readInteger(UInt32.self)
                let byteCount = try cursor.readInteger(UInt64.self)
                let recordCount = try cursor.readInteger(UInt64.self)
                let minSequence = try cursor.readInteger(UInt64.self)
                let maxSequence = try cursor.readInteger(UInt64.self)
                let owner = try cursor.readString()
                guard let bytes = Int(exactly: byteCount), let records = Int(exactly: recordCount),
                    Int(exactly: level) != nil
                else {
                    throw cursor.corruption("segment \(number) sizes out of range", at: at)
                }
                addedSegments.append(
                    SegmentDescriptor(
                        number: number, owner: owner, level: Int(level), byteCount: bytes, recordCount: records,
                        minSequence: minSequence, maxSequence: maxSequence))
            case .removedSegment:
                removedSegments.append(try cursor.readInteger(UInt64.self))
            case .catalogSet:
                let name = try cursor.readString()
                let value = try cursor.readBytes()
                guard seenCatalog.insert(name).inserted else {
                    throw cursor.corruption("catalog name appears twice", at: at)
                }
                catalogSet[name] = value
            case .catalogRemoved:
                let name = try cursor.readString()
                guard seenCatalog.insert(name).inserted else {
                    throw cursor.corruption("catalog name appears twice", at: at)
                }
                catalogRemoved.append(name)
            }
        }
    }

    /// Decodes a manifest record payload.
    ///
    /// - Throws: See ``init(encoded:)-(UnsafeRawBufferPointer)``.
    public init(encoded bytes: [UInt8]) throws(StorageError) {
        let result: Result<ManifestEdit, StorageError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(StorageError) in try ManifestEdit(encoded: buffer) }
        }
        self = try result.get()
    }

    private static func appendBytes(_ value: [UInt8], to bytes: inout [UInt8]) {
        bytes.appendLittleEndian(UInt32(value.count))
        bytes += value
    }
}

/// A read cursor over one payload: `read*` moves it and throws instead of reading past the end.
private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    var isAtEnd: Bool { offset == bytes.count }

    func corruption(_ message: String, at offset: Int) -> StorageError {
        StorageError(.corruption, "manifest edit: \(message)", offset: Int64(offset))
    }

    mutating func readInteger<T: FixedWidthInteger>(_: T.Type) throws(StorageError) -> T {
        let size = MemoryLayout<T>.size
        guard bytes.count - offset >= size else { throw corruption("field cut short", at: offset) }
        defer { offset += size }
        return bytes.loadLittleEndian(T.self, at: offset)
    }

    mutating func readBytes() throws(StorageError) -> [UInt8] {
        let start = offset
        let length = Int(try readInteger(UInt32.self))
        guard bytes.count - offset >= length else { throw corruption("\(length)-byte value cut short", at: start) }
        defer { offset += length }
        return Array(bytes[offset..<(offset + length)])
    }

    mutating func readString() throws(StorageError) -> String {
        let start = offset
        let raw = try readBytes()
        guard let string = String(validating: raw, as: UTF8.self) else {
            throw corruption("name is not UTF-8", at: start)
        }
        return string
    }
}
