internal import QuiverStorage

/// How a record-table part is laid out in a segment file (table format 1).
///
/// - `metadata`: `u32` format version, the table's name, the part number, its level, the record
///   count;
/// - `keys`: a ``SortedKeySection`` of every entry's key, in order;
/// - `recordMeta`: per entry a `u64`, bit 63 set for a removal, the low 63 bits its expiry in
///   wall-clock milliseconds (0: never);
/// - `attributes`: per entry its value as a compressed record (empty for a removal).
enum RecordSegment {
    static let formatVersion: UInt32 = 0x1_0001

    /// Writes `entries` (in key order) as segment `number` of `table`.
    static func write(
        _ entries: some Sequence<(key: [UInt8], entry: RecordEntry)>, table: String, number: UInt64, level: Int,
        fileIO: any FileIO, layout: DataDirectoryLayout, codec: BlockCodec
    ) throws {
        var keys: [[UInt8]] = []
        var meta: [UInt8] = []
        var values: [[UInt8]] = []
        for (key, entry) in entries {
            keys.append(key)
            var word = UInt64(bitPattern: max(0, entry.expiresAt))
            if entry.value == nil { word |= MappedRecords.removalBit }
            SortedKeySection.appendLittleEndian(word, to: &meta)
            values.append(entry.value ?? [])
        }
        let writer = try SegmentWriter(fileIO: fileIO, layout: layout, number: number)
        do {
            var metadata = BinaryWriter()
            metadata.write(formatVersion)
            metadata.write(table)
            metadata.write(number)
            metadata.write(UInt32(level))
            metadata.write(UInt64(keys.count))
            try CollectionSegment.writeRaw(writer, .metadata, metadata.bytes)
            try CollectionSegment.writeRaw(writer, .keys, SortedKeySection.encode(keys))
            try CollectionSegment.writeRaw(writer, .recordMeta, meta)
            try writer.addCompressedSection(kind: .attributes, records: values, codec: codec)
            _ = try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
    }

    /// Opens a mapped segment as a part of `definition`'s table, checking its small sections.
    static func open(_ file: SegmentFile, definition: TableDefinition, number: UInt64) throws -> RecordPart {
        guard let metaBytes = file.section(.metadata) else { throw EngineError(.corruption, "segment \(number) has no metadata section") }
        try file.verifySection(.metadata)
        var reader = BinaryReader(Array(metaBytes), context: "segment \(number) metadata")
        let version = try reader.read(UInt32.self)
        guard version == formatVersion else {
            throw EngineError(.unsupported, "segment \(number): table format \(version) is not one this build reads (\(formatVersion))")
        }
        let owner = try reader.readString()
        guard owner == definition.name else {
            throw EngineError(.corruption, "segment \(number) belongs to table \(owner), the manifest says \(definition.name)")
        }
        guard try reader.read(UInt64.self) == number else { throw EngineError(.corruption, "segment \(number): number mismatch") }
        let level = Int(try reader.read(UInt32.self))
        let count = try reader.read(UInt64.self)
        try reader.finish()
        guard let keyBytes = file.section(.keys), let metaSection = file.section(.recordMeta) else {
            throw EngineError(.corruption, "segment \(number) lacks its key or record sections")
        }
        try file.verifySection(.keys)
        try file.verifySection(.recordMeta)
        guard let keys = SortedKeys(keyBytes), UInt64(keys.count) == count, metaSection.count == keys.count * 8 else {
            throw EngineError(.corruption, "segment \(number): key and record sections do not hold \(count) records")
        }
        let values = try file.compressedSection(.attributes)
        guard values.count == keys.count else { throw EngineError(.corruption, "segment \(number): \(values.count) values for \(keys.count) keys") }
        return RecordPart(
            number: number, level: level,
            source: .mapped(MappedRecords(keys: keys, meta: metaSection, valueReader: Locked(values))), segment: file)
    }

    /// Whether the metadata of `file` describes a table segment (its format number has bit 16 set).
    static func isTableSegment(_ file: SegmentFile) -> Bool {
        guard let bytes = file.section(.metadata), bytes.count >= 4 else { return false }
        return UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)) >> 16 == 1
    }
}
