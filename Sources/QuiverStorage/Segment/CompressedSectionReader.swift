/// Reads the records of one compressed section of a ``SegmentFile`` by position.
///
/// Record *i* costs one block decompression: the block index (checked when the reader is made)
/// says which block holds it; the block's checksum is verified *before* it is decompressed, and
/// decompression is bounded by the block's declared raw size. The last decoded block is cached,
/// so reading records in order decompresses each block once.
///
/// A value type with a cache: use one reader per thread, or guard it with a lock.
public struct CompressedSectionReader: Sendable {
    private struct Block: Sendable {
        var offset: Int
        var storedLength: Int
        var rawLength: Int
        var firstRecord: Int
        var checksum: UInt32
    }

    /// The segment the section belongs to (kept alive by the reader).
    public let file: SegmentFile
    /// The section's table entry.
    public let section: SegmentSection
    /// The codec the blocks were compressed with.
    public let codec: BlockCodec
    /// The number of records.
    public let count: Int
    private let blocks: [Block]
    /// The last decoded block: its position, the end offset of each record, and the record bytes.
    private var cache: (block: Int, ends: [Int], data: ArraySlice<UInt8>)?

    /// Checks the block index of `section` in `file`.
    init(file: SegmentFile, section: SegmentSection) throws(StorageError) {
        typealias Layout = SegmentFormat.Compressed
        self.file = file
        self.section = section
        let bytes = file.bytes(of: section)
        func corrupt(_ message: String, at offset: Int) -> StorageError {
            StorageError(
                .corruption, "section \(section.kind): \(message)", file: file.path,
                offset: Int64(section.offset + offset))
        }
        guard bytes.count >= Layout.trailerSize else {
            throw corrupt("\(bytes.count) bytes cannot hold a block index trailer", at: 0)
        }
        let trailerStart = bytes.count - Layout.trailerSize
        let trailer = UnsafeRawBufferPointer(rebasing: bytes[trailerStart...])
        let blockCount = Int(trailer.loadLittleEndian(UInt32.self, at: Layout.blockCountOffset))
        let (indexLength, overflow) = blockCount.multipliedReportingOverflow(by: Layout.entrySize)
        guard !overflow, indexLength <= trailerStart else {
            throw corrupt("\(blockCount) blocks do not fit in the section", at: trailerStart + Layout.blockCountOffset)
        }
        let indexStart = trailerStart - indexLength
        let stored = CRC32C.unmask(trailer.loadLittleEndian(UInt32.self, at: Layout.checksumOffset))
        let computed = CRC32C.checksum(
            UnsafeRawBufferPointer(rebasing: bytes[indexStart..<(trailerStart + Layout.checksumOffset)]))
        guard stored == computed else { throw corrupt("block index checksum mismatch", at: indexStart) }
        guard let codec = BlockCodec(identifier: trailer[Layout.codecOffset]) else {
            throw corrupt("unknown codec \(trailer[Layout.codecOffset])", at: trailerStart + Layout.codecOffset)
        }
        guard trailer[Layout.reservedOffset..<(Layout.reservedOffset + 3)].allSatisfy({ $0 == 0 }) else {
            throw corrupt("block index reserved bytes are not zero", at: trailerStart + Layout.reservedOffset)
        }
        let recordCount = trailer.loadLittleEndian(UInt64.self, at: Layout.recordCountOffset)
        guard recordCount <= UInt64(Layout.maxRecordCount), (recordCount == 0) == (blockCount == 0) else {
            throw corrupt("\(recordCount) records in \(blockCount) blocks", at: trailerStart + Layout.recordCountOffset)
        }
        let count = Int(recordCount)
        var blocks: [Block] = []
        blocks.reserveCapacity(blockCount)
        var expectedOffset = 0
        for position in 0..<blockCount {
            let base = indexStart + position * Layout.entrySize
            let entry = UnsafeRawBufferPointer(rebasing: bytes[base..<(base + Layout.entrySize)])
            let offset = entry.loadLittleEndian(UInt64.self, at: Layout.entryOffsetOffset)
            let storedLength = Int(entry.loadLittleEndian(UInt32.self, at: Layout.entryStoredLengthOffset))
            let rawLength = Int(entry.loadLittleEndian(UInt32.self, at: Layout.entryRawLengthOffset))
            let firstRecord = Int(entry.loadLittleEndian(UInt32.self, at: Layout.entryFirstRecordOffset))
            // Blocks are contiguous from the section start up to the index.
            guard offset == UInt64(expectedOffset), storedLength <= indexStart - expectedOffset else {
                throw corrupt("block \(position) at \(offset), \(storedLength) bytes, is out of place", at: base)
            }
            let previousFirst = blocks.last?.firstRecord ?? -1
            guard firstRecord > previousFirst, firstRecord < count, position > 0 || firstRecord == 0 else {
                throw corrupt(
                    "block \(position) starts at record \(firstRecord)", at: base + Layout.entryFirstRecordOffset)
            }
            guard rawLength <= Layout.maxRawBlockSize else {
                throw corrupt(
                    "block \(position) declares \(rawLength) raw bytes", at: base + Layout.entryRawLengthOffset)
            }
            blocks.append(
                Block(
                    offset: expectedOffset, storedLength: storedLength, rawLength: rawLength, firstRecord: firstRecord,
                    checksum: CRC32C.unmask(entry.loadLittleEndian(UInt32.self, at: Layout.entryChecksumOffset))))
            expectedOffset += storedLength
        }
        guard expectedOffset == indexStart else {
            throw corrupt("blocks end at \(expectedOffset), the index starts at \(indexStart)", at: indexStart)
        }
        // Each block's record table must fit its raw size.
        for (position, block) in blocks.enumerated() {
            let records = (position + 1 < blocks.count ? blocks[position + 1].firstRecord : count) - block.firstRecord
            guard records <= block.rawLength / 4 else {
                throw corrupt(
                    "block \(position) holds \(records) records in \(block.rawLength) raw bytes",
                    at: indexStart + position * Layout.entrySize)
            }
        }
        self.codec = codec
        self.count = count
        self.blocks = blocks
    }

    /// The record at `index`.
    ///
    /// - Parameter index: A position in `0..<count`.
    /// - Returns: The record's bytes.
    /// - Throws: ``StorageError/Code/corruption`` naming the file, section and block offset when
    ///   the block fails its checksum, does not decompress to its declared size, or has a
    ///   malformed record table.
    /// - Precondition: `0 <= index < count`.
    /// - Complexity: O(1) when the record's block is cached, else one block decompression.
    public mutating func record(_ index: Int) throws(StorageError) -> [UInt8] {
        precondition(index >= 0 && index < count, "record \(index) out of range 0..<\(count)")
        // The last block whose first record is at or before `index`.
        var low = 0
        var high = blocks.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if blocks[middle].firstRecord <= index { low = middle } else { high = middle - 1 }
        }
        if cache?.block != low { cache = try decode(low) }
        let (_, ends, data) = cache!
        let position = index - blocks[low].firstRecord
        let start = position == 0 ? 0 : ends[position - 1]
        return Array(data[(data.startIndex + start)..<(data.startIndex + ends[position])])
    }

    /// Checks and decodes every block.
    ///
    /// - Throws: The first block's error, as ``record(_:)`` reports it.
    /// - Complexity: O(section size) plus decompression.
    public func verifyBlocks() throws(StorageError) {
        for position in blocks.indices { _ = try decode(position) }
    }

    /// Checks, decompresses and splits block `position`.
    private func decode(_ position: Int) throws(StorageError) -> (block: Int, ends: [Int], data: ArraySlice<UInt8>) {
        let block = blocks[position]
        let sectionBytes = file.bytes(of: section)
        let stored = UnsafeRawBufferPointer(rebasing: sectionBytes[block.offset..<(block.offset + block.storedLength)])
        let location = Int64(section.offset + block.offset)
        guard CRC32C.checksum(stored) == block.checksum else {
            throw StorageError(
                .corruption, "section \(section.kind) block \(position) checksum mismatch", file: file.path,
                offset: location)
        }
        let raw: [UInt8]
        do {
            raw = try codec.decompress(stored, rawCount: block.rawLength)
        } catch {
            throw StorageError(
                .corruption, "section \(section.kind) block \(position): \(error.message)", file: file.path,
                offset: location)
        }
        let records = (position + 1 < blocks.count ? blocks[position + 1].firstRecord : count) - block.firstRecord
        let tableLength = records * 4
        let dataLength = raw.count - tableLength
        var ends: [Int] = []
        ends.reserveCapacity(records)
        var previous = 0
        for record in 0..<records {
            let end = raw.withUnsafeBytes { Int($0.loadLittleEndian(UInt32.self, at: record * 4)) }
            guard end >= previous, end <= dataLength else {
                throw StorageError(
                    .corruption,
                    "section \(section.kind) block \(position): record \(block.firstRecord + record) ends at \(end)",
                    file: file.path, offset: location)
            }
            ends.append(end)
            previous = end
        }
        guard previous == dataLength else {
            throw StorageError(
                .corruption,
                "section \(section.kind) block \(position): records end at \(previous) of \(dataLength) bytes",
                file: file.path, offset: location)
        }
        return (position, ends, raw[tableLength...])
    }
}
