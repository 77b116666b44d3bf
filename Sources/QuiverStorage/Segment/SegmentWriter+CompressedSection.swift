extension SegmentWriter {
    /// Writes `records` as a compressed section: blocks of about 64 KiB of raw records, each
    /// compressed with `codec`, then a block index, so that one record is read back by
    /// decompressing one block.
    ///
    /// A block holds whole records: a record larger than the block target gets a block of its
    /// own. Inside a raw block, a table of u32 record end offsets precedes the record bytes.
    ///
    /// - Parameters:
    ///   - kind: What the section holds; each kind at most once per file.
    ///   - records: Variable-length byte strings, read back by position; empty ones cost 4 bytes.
    ///   - codec: How each block is compressed.
    /// - Throws: ``StorageError/Code/invalidArgument`` for more than 2³² − 1 records or a record
    ///   over 64 MiB − 4 bytes (the writer is then failed, like after a write error);
    ///   ``StorageError`` when a write fails.
    /// - Precondition: No section is open and `kind` is new to this file.
    /// - Complexity: O(total record bytes) plus compression.
    public func addCompressedSection(
        kind: SegmentSectionKind, records: [[UInt8]], codec: BlockCodec
    ) throws(StorageError) {
        try running { () throws(StorageError) in
            typealias Layout = SegmentFormat.Compressed
            guard records.count <= Layout.maxRecordCount else {
                throw StorageError(
                    .invalidArgument, "\(records.count) records exceed the \(Layout.maxRecordCount) a section holds")
            }
            if let index = records.firstIndex(where: { $0.count > Layout.maxRawBlockSize - 4 }) {
                throw StorageError(
                    .invalidArgument,
                    "record \(index) of \(records[index].count) bytes exceeds the \(Layout.maxRawBlockSize - 4)-byte limit"
                )
            }
            try beginCompressedSection(kind: kind)
            var index: [UInt8] = []
            var sectionLength = 0
            var blockCount = 0
            var first = 0
            while first < records.count {
                // Whole records until the block reaches its target size (at least one record).
                var end = first
                var rawSize = 0
                repeat {
                    rawSize += 4 + records[end].count
                    end += 1
                } while end < records.count && rawSize + 4 + records[end].count <= Layout.targetBlockSize
                var raw: [UInt8] = []
                raw.reserveCapacity(rawSize)
                var recordEnd = 0
                for record in records[first..<end] {
                    recordEnd += record.count
                    raw.appendLittleEndian(UInt32(recordEnd))
                }
                for record in records[first..<end] { raw += record }
                let stored = codec.compress(raw)
                index.appendLittleEndian(UInt64(sectionLength))
                index.appendLittleEndian(UInt32(stored.count))
                index.appendLittleEndian(UInt32(raw.count))
                index.appendLittleEndian(UInt32(first))
                index.appendLittleEndian(CRC32C.mask(CRC32C.checksum(stored)))
                try appendUnchecked(stored)
                sectionLength += stored.count
                blockCount += 1
                first = end
            }
            var trailer: [UInt8] = []
            trailer.appendLittleEndian(UInt64(records.count))
            trailer.appendLittleEndian(UInt32(blockCount))
            trailer.append(codec.identifier)
            trailer += [0, 0, 0]
            trailer.appendLittleEndian(UInt32(Layout.targetBlockSize))
            let checksum = CRC32C.checksum(trailer, extending: CRC32C.checksum(index))
            trailer.appendLittleEndian(CRC32C.mask(checksum))
            assert(trailer.count == Layout.trailerSize)
            try appendUnchecked(index + trailer)
            endCompressedSection()
        }
    }
}
