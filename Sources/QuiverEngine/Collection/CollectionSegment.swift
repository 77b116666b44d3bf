internal import QuiverIndex
internal import QuiverStorage
internal import SystemPackage

extension SegmentSectionKind {
    /// `f32` lengths of the keyed rows' vectors before a cosine collection normalised them.
    static let norms = SegmentSectionKind(rawValue: 11)
    /// Per record of a table segment: removal flag and expiry (`u64` each).
    static let recordMeta = SegmentSectionKind(rawValue: 12)
}

/// The rows a collection segment is written from: the keyed rows in key order, and where their
/// attributes and norms come from.
struct SegmentRows {
    /// `(key, id)` of every row to keep a key for, in strictly ascending key order.
    var keyed: [(key: [UInt8], id: UInt32)]
    var attributes: (UInt32) throws(EngineError) -> [UInt8]?
    var norm: (UInt32) -> Float
}

/// How a collection part is laid out in a segment file (format 2).
///
/// Rows are renumbered when written: row `i` of the segment is the `i`-th key in key order, and
/// rows without a key (deleted, not yet purged) follow. So the key section needs no separate
/// sort order, and a key's row is its rank.
///
/// - `metadata`: format version, collection name, part number, level, keyed-row count and the
///   HNSW image header;
/// - `graphNodes`, `graphUpper`, `vectors`, `originals`: the renumbered HNSW image, raw, searched
///   in place from the mapping (vectors 4096-byte aligned);
/// - `keys`: a ``SortedKeySection`` of the keyed rows' keys;
/// - `attributes`: one compressed record per keyed row (empty for none);
/// - `norms` (cosine collections): one `f32` per keyed row;
/// - `tombstones`: rows of older parts this part deleted, `(u64 part, u32 id, u32 0)` each.
enum CollectionSegment {
    static let formatVersion: UInt32 = 2

    /// Writes `rows` of `index` as segment `number`.
    ///
    /// - Returns: `renumbered[oldID]`, the row each old id has in the segment.
    static func write(
        index: HNSWIndex, rows: SegmentRows, tombstones: [Tombstone], number: UInt64, level: Int, collection: String,
        metric: Metric, fileIO: any FileIO, layout: DataDirectoryLayout, codec: BlockCodec
    ) throws -> [UInt32] {
        let slots = index.slotCount
        var order: [UInt32] = rows.keyed.map(\.id)
        order.reserveCapacity(slots)
        var renumbered = [UInt32](repeating: UInt32.max, count: slots)
        for (new, old) in order.enumerated() { renumbered[Int(old)] = UInt32(new) }
        for old in 0..<slots where renumbered[old] == UInt32.max {
            renumbered[old] = UInt32(order.count)
            order.append(UInt32(old))
        }
        let writer = try SegmentWriter(fileIO: fileIO, layout: layout, number: number)
        do {
            try index.withImage(renumberedBy: order) { image in
                var meta = BinaryWriter()
                meta.write(formatVersion)
                meta.write(collection)
                meta.write(number)
                meta.write(UInt32(level))
                meta.write(UInt64(rows.keyed.count))
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
            try writeRaw(writer, .keys, SortedKeySection.encode(rows.keyed.lazy.map(\.key)))
            var records: [[UInt8]] = []
            records.reserveCapacity(rows.keyed.count)
            for row in rows.keyed { records.append(try rows.attributes(row.id) ?? []) }
            try writer.addCompressedSection(kind: .attributes, records: records, codec: codec)
            if metric == .cosine {
                var norms: [UInt8] = []
                norms.reserveCapacity(rows.keyed.count * 4)
                for row in rows.keyed { SortedKeySection.appendLittleEndian(rows.norm(row.id).bitPattern, to: &norms) }
                try writeRaw(writer, .norms, norms)
            }
            var tombstoneBytes: [UInt8] = []
            for t in tombstones {
                SortedKeySection.appendLittleEndian(t.part, to: &tombstoneBytes)
                SortedKeySection.appendLittleEndian(t.id, to: &tombstoneBytes)
                SortedKeySection.appendLittleEndian(UInt32(0), to: &tombstoneBytes)
            }
            try writeRaw(writer, .tombstones, tombstoneBytes)
            _ = try writer.finish()
            return renumbered
        } catch {
            writer.abort()
            throw error
        }
    }

    static func writeRaw(_ writer: SegmentWriter, _ kind: SegmentSectionKind, _ bytes: [UInt8]) throws {
        try writer.beginSection(kind: kind)
        try bytes.withUnsafeBytes { try writer.append($0) }
        try writer.endSection()
    }

    /// Facts from a segment's metadata section.
    struct Metadata {
        var owner: String
        var level: Int
        var keyedCount: Int
        var header: [UInt8]
    }

    /// Reads and checks the metadata section of segment `number`.
    static func metadata(of file: SegmentFile, number: UInt64) throws -> Metadata {
        guard let bytes = file.section(.metadata) else { throw EngineError(.corruption, "segment \(number) has no metadata section") }
        try file.verifySection(.metadata)
        var meta = BinaryReader(Array(bytes), context: "segment \(number) metadata")
        let version = try meta.read(UInt32.self)
        guard version == formatVersion else {
            throw EngineError(
                .unsupported,
                version > formatVersion
                    ? "segment \(number): collection format \(version) is newer than this build reads (\(formatVersion))"
                    : "segment \(number): collection format \(version) was written by a pre-release build; this build reads \(formatVersion)")
        }
        let owner = try meta.readString()
        guard try meta.read(UInt64.self) == number else { throw EngineError(.corruption, "segment \(number): number mismatch") }
        let level = Int(try meta.read(UInt32.self))
        let keyedCount = try meta.read(UInt64.self)
        let header = try meta.readBytes()
        try meta.finish()
        guard keyedCount <= UInt64(UInt32.max) else { throw EngineError(.corruption, "segment \(number): \(keyedCount) keyed rows") }
        return Metadata(owner: owner, level: level, keyedCount: Int(keyedCount), header: header)
    }

    /// Opens a mapped segment as a part of `definition`'s collection.
    ///
    /// Checks the small sections' checksums (metadata, keys, norms, tombstones) and the image
    /// header; the large graph and vector sections are checked by `quiver verify`
    /// (`DataDirectoryInspector`) and by compaction before it reads them.
    static func open(_ file: SegmentFile, definition: CollectionDefinition, number: UInt64) throws -> FrozenPart {
        func raw(_ kind: SegmentSectionKind, verify: Bool) throws -> UnsafeRawBufferPointer {
            guard let bytes = file.section(kind) else {
                throw EngineError(.corruption, "segment \(number) has no \(kind) section")
            }
            if verify { try file.verifySection(kind) }
            return bytes
        }
        let meta = try metadata(of: file, number: number)
        guard meta.owner == definition.name else {
            throw EngineError(.corruption, "segment \(number) belongs to collection \(meta.owner), the manifest says \(definition.name)")
        }
        var parts: [HNSWImagePart: UnsafeRawBufferPointer] = [
            .nodes: try raw(.graphNodes, verify: false), .upper: try raw(.graphUpper, verify: false),
            .vectors: try raw(.vectors, verify: false),
        ]
        if let originals = file.section(.originals) { parts[.originals] = originals }
        let index: HNSWIndex
        do {
            index = try meta.header.withUnsafeBytes { (h) throws(IndexError) -> HNSWIndex in try HNSWIndex(header: h, parts: parts) }
        } catch { throw EngineError(.corruption, "segment \(number): \(error)") }
        guard index.configuration.dimension == definition.index.dimension, index.configuration.metric == definition.index.metric
        else { throw EngineError(.corruption, "segment \(number): index shape differs from collection \(definition.name)") }
        guard let keys = SortedKeys(try raw(.keys, verify: true)), keys.count == meta.keyedCount, keys.count <= index.slotCount
        else { throw EngineError(.corruption, "segment \(number): the key section does not hold \(meta.keyedCount) keys") }
        var norms: UnsafeRawBufferPointer?
        if definition.index.metric == .cosine {
            let bytes = try raw(.norms, verify: true)
            guard bytes.count == keys.count * 4 else { throw EngineError(.corruption, "segment \(number): norms for \(bytes.count / 4) of \(keys.count) rows") }
            norms = bytes
        }
        let tombstones = try readTombstones(try raw(.tombstones, verify: true), number: number)
        let attributes = try file.compressedSection(.attributes)
        guard attributes.count == keys.count else {
            throw EngineError(.corruption, "segment \(number): attributes for \(attributes.count) of \(keys.count) rows")
        }
        return FrozenPart(
            number: number, index: index,
            rows: .mapped(MappedRows(keys: keys, attributeReader: Locked(attributes), norms: norms)),
            overlay: DeletionOverlay(capacity: index.slotCount), tombstones: tombstones, segment: file, level: meta.level)
    }

    static func readTombstones(_ bytes: UnsafeRawBufferPointer, number: UInt64) throws -> [Tombstone] {
        guard bytes.count % 16 == 0 else { throw EngineError(.corruption, "segment \(number): bad tombstone section") }
        var tombstones: [Tombstone] = []
        tombstones.reserveCapacity(bytes.count / 16)
        for i in 0..<bytes.count / 16 {
            tombstones.append(Tombstone(
                part: bytes.loadUnaligned(fromByteOffset: i * 16, as: UInt64.self).littleEndian,
                id: bytes.loadUnaligned(fromByteOffset: i * 16 + 8, as: UInt32.self).littleEndian))
        }
        return tombstones
    }
}
