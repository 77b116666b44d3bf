internal import QuiverIndex
internal import QuiverStorage
internal import SystemPackage

extension SegmentSectionKind {
    /// Ids of keyed rows sorted by key bytes (`u32` each).
    static let keyOrder = SegmentSectionKind(rawValue: 10)
}

/// How a collection part is laid out in a segment file: which sections hold what.
///
/// - `metadata`: format version, collection name, part number and the HNSW image header;
/// - `graphNodes`, `graphUpper`, `vectors`, `originals`: the HNSW image parts, raw, searched in
///   place from the mapping (vectors 4096-byte aligned);
/// - `keys`, `keyIndex`, `keyOrder`: see ``MappedKeys`` (offsets are `u32` while the key bytes
///   fit in 4 GiB, else `u64`);
/// - `attributes`: one compressed record per id (empty for none);
/// - `tombstones`: rows of older parts this part deleted, `(u64 part, u32 id, u32 0)` each.
enum CollectionSegment {
    static let formatVersion: UInt32 = 1

    /// Writes `part` (a frozen memtable) as segment `part.number` and returns the file's facts.
    static func write(
        _ part: FrozenPart, collection: String, fileIO: any FileIO, layout: DataDirectoryLayout, codec: BlockCodec
    ) throws -> SegmentInfo {
        let writer = try SegmentWriter(fileIO: fileIO, layout: layout, number: part.number)
        do {
            try part.index.withImage { image in
                var meta = BinaryWriter()
                meta.write(formatVersion)
                meta.write(collection)
                meta.write(part.number)
                meta.write(UInt32(part.level))
                meta.writeBytes(image.header)
                try writer.beginSection(kind: .metadata)
                try meta.bytes.withUnsafeBytes { try writer.append($0) }
                try writer.endSection()
                let sections: [(HNSWImagePart, SegmentSectionKind, Int)] = [
                    (.nodes, .graphNodes, 64), (.upper, .graphUpper, 64), (.vectors, .vectors, 4096),
                    (.originals, .originals, 4096),
                ]
                for (imagePart, kind, alignment) in sections where image.partLengths[imagePart] != nil {
                    try writer.beginSection(kind: kind, alignment: alignment)
                    try image.forEachRun(of: imagePart) { try writer.append($0) }
                    try writer.endSection()
                }
            }
            let slots = part.index.slotCount
            var keyBytes: [UInt8] = []
            var offsets: [UInt64] = [0]
            offsets.reserveCapacity(slots + 1)
            var keyed: [(key: [UInt8], id: UInt32)] = []
            var records: [[UInt8]] = []
            records.reserveCapacity(slots)
            for id in 0..<UInt32(slots) {
                if part.index.contains(id), let key = part.keys.key(of: id) {
                    let utf8 = Array(key.utf8)
                    keyBytes += utf8
                    keyed.append((utf8, id))
                    records.append((try part.attributes.attributes(of: id)) ?? [])
                } else {
                    records.append([])
                }
                offsets.append(UInt64(keyBytes.count))
            }
            keyed.sort { a, b in a.key.lexicographicallyPrecedes(b.key) }
            try writeRaw(writer, .keys, keyBytes)
            // Offsets take 4 bytes each while the key bytes fit in 4 GiB: the width follows from
            // the section's size.
            if keyBytes.count <= Int(UInt32.max) {
                try writeRaw(writer, .keyIndex, offsets.flatMap { littleEndianBytes(UInt32($0)) })
            } else {
                try writeRaw(writer, .keyIndex, offsets.flatMap(littleEndianBytes))
            }
            try writeRaw(writer, .keyOrder, keyed.flatMap { littleEndianBytes($0.id) })
            try writer.addCompressedSection(kind: .attributes, records: records, codec: codec)
            var tombstoneBytes: [UInt8] = []
            for t in part.tombstones { tombstoneBytes += littleEndianBytes(t.part) + littleEndianBytes(t.id) + [0, 0, 0, 0] }
            try writeRaw(writer, .tombstones, tombstoneBytes)
            return try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
    }

    private static func writeRaw(_ writer: SegmentWriter, _ kind: SegmentSectionKind, _ bytes: [UInt8]) throws {
        try writer.beginSection(kind: kind)
        try bytes.withUnsafeBytes { try writer.append($0) }
        try writer.endSection()
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// Opens a mapped segment as a part of `definition`'s collection.
    ///
    /// Checks the small sections' checksums (metadata, keys, tombstones) and the image header; the
    /// large graph and vector sections are checked by `quiver verify` (`DataDirectoryInspector`) and by compaction before it reads them.
    static func open(
        _ file: SegmentFile, definition: CollectionDefinition, number: UInt64, level: Int = 0, overlay: DeletionOverlay? = nil
    ) throws -> FrozenPart {
        func raw(_ kind: SegmentSectionKind, verify: Bool) throws -> UnsafeRawBufferPointer {
            guard let bytes = file.section(kind) else {
                throw EngineError(.corruption, "segment \(number) has no \(kind.rawValue) section")
            }
            if verify { try file.verifySection(kind) }
            return bytes
        }
        let metaBytes = try raw(.metadata, verify: true)
        var meta = BinaryReader(Array(metaBytes), context: "segment \(number) metadata")
        let version = try meta.read(UInt32.self)
        guard version == formatVersion else {
            throw EngineError(.unsupported, "segment \(number): collection format \(version) is newer than this build reads (\(formatVersion))")
        }
        let collection = try meta.readString()
        guard collection == definition.name else {
            throw EngineError(.corruption, "segment \(number) belongs to collection \(collection), the manifest says \(definition.name)")
        }
        guard try meta.read(UInt64.self) == number else { throw EngineError(.corruption, "segment \(number): number mismatch") }
        let storedLevel = Int(try meta.read(UInt32.self))
        let header = try meta.readBytes()
        try meta.finish()
        var parts: [HNSWImagePart: UnsafeRawBufferPointer] = [
            .nodes: try raw(.graphNodes, verify: false), .upper: try raw(.graphUpper, verify: false),
            .vectors: try raw(.vectors, verify: false),
        ]
        if let originals = file.section(.originals) { parts[.originals] = originals }
        let index: HNSWIndex
        do {
            index = try header.withUnsafeBytes { (h) throws(IndexError) -> HNSWIndex in try HNSWIndex(header: h, parts: parts) }
        } catch { throw EngineError(.corruption, "segment \(number): \(error)") }
        guard index.configuration.dimension == definition.index.dimension, index.configuration.metric == definition.index.metric
        else { throw EngineError(.corruption, "segment \(number): index shape differs from collection \(definition.name)") }
        let keys = MappedKeys(
            bytes: try raw(.keys, verify: true), offsets: try raw(.keyIndex, verify: true),
            order: try raw(.keyOrder, verify: true), slotCount: index.slotCount)
        guard keys.offsetWidth != 0, keys.order.count % 4 == 0 else {
            throw EngineError(.corruption, "segment \(number): key index size does not match \(index.slotCount) rows")
        }
        let tombstoneBytes = try raw(.tombstones, verify: true)
        guard tombstoneBytes.count % 16 == 0 else { throw EngineError(.corruption, "segment \(number): bad tombstone section") }
        var tombstones: [Tombstone] = []
        tombstones.reserveCapacity(tombstoneBytes.count / 16)
        for i in 0..<tombstoneBytes.count / 16 {
            tombstones.append(Tombstone(
                part: tombstoneBytes.loadUnaligned(fromByteOffset: i * 16, as: UInt64.self).littleEndian,
                id: tombstoneBytes.loadUnaligned(fromByteOffset: i * 16 + 8, as: UInt32.self).littleEndian))
        }
        let attributes = try file.compressedSection(.attributes)
        return FrozenPart(
            number: number, index: index, keys: .mapped(keys), attributes: .mapped(Locked(attributes)),
            overlay: overlay ?? DeletionOverlay(capacity: index.slotCount), tombstones: tombstones, segment: file,
            level: max(level, storedLevel))
    }
}
