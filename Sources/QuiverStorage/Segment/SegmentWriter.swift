public import SystemPackage

/// Writes one segment file, section by section, then publishes it atomically.
///
/// The file is written as `NNNNNN.tmp`; ``finish()`` appends the section table and footer, syncs
/// the file, renames it to `NNNNNN.seg` and syncs the directory. Until that rename the segment
/// does not exist, so a crash or a failure at any step leaves at most a temporary file, which
/// ``orphanFiles(in:state:)`` lists for removal. A call that fails removes the temporary file and
/// leaves the writer failed: every later call throws that error. Dropping an unfinished writer
/// aborts it.
///
/// Writes are buffered in chunks of about 1 MiB, and each section's CRC-32C is computed as its
/// bytes arrive, so sections far larger than memory can be streamed through ``append(_:)``.
///
/// Not thread-safe: one writer belongs to one job.
public final class SegmentWriter {
    /// The segment's number.
    public let number: UInt64
    /// The file being written (`NNNNNN.tmp`).
    public let temporaryPath: FilePath
    /// Where ``finish()`` publishes it (`NNNNNN.seg`).
    public let path: FilePath
    private let layout: DataDirectoryLayout
    private let fileIO: any FileIO
    private var file: FileIOHandle?
    private var buffer: [UInt8] = []
    /// The file offset of `buffer[0]`.
    private var bufferOffset = 0
    private var sections: [SegmentSection] = []
    private var kinds: Set<SegmentSectionKind> = []
    private var open: (kind: SegmentSectionKind, offset: Int, checksum: UInt32)?
    private var status: Status = .writing

    private enum Status {
        case writing, finished, aborted
        case failed(StorageError)
    }

    /// Buffered bytes are written once this many have gathered.
    private let chunkSize: Int

    /// The default write size: 1 MiB, large enough that a write costs little more than its bytes.
    package static let defaultChunkSize = 1 << 20

    /// Creates (or truncates a stale) `NNNNNN.tmp` for segment `number` and writes the file header.
    ///
    /// - Parameters:
    ///   - fileIO: The file system.
    ///   - layout: The data directory.
    ///   - number: The segment's number; the caller guarantees no live segment has it.
    /// - Throws: ``StorageError`` when the file cannot be created.
    public convenience init(fileIO: any FileIO, layout: DataDirectoryLayout, number: UInt64) throws(StorageError) {
        try self.init(fileIO: fileIO, layout: layout, number: number, chunkSize: Self.defaultChunkSize)
    }

    /// A writer that gathers writes of `chunkSize` bytes (tests use small chunks to get many
    /// writes from little data).
    package init(fileIO: any FileIO, layout: DataDirectoryLayout, number: UInt64, chunkSize: Int) throws(StorageError) {
        precondition(chunkSize > 0, "chunk size must be positive")
        self.number = number
        self.layout = layout
        self.fileIO = fileIO
        self.chunkSize = chunkSize
        self.temporaryPath = layout.temporaryFile(number)
        self.path = layout.segmentFile(number)
        file = try fileIO.open(temporaryPath, access: .readWrite, options: [.create, .truncate])
        buffer.reserveCapacity(min(chunkSize, Self.defaultChunkSize))
        var header = SegmentFormat.magic
        header.appendLittleEndian(SegmentFormat.version)
        header.appendLittleEndian(UInt16(0))
        header.appendLittleEndian(UInt32(0))
        header.appendLittleEndian(number)
        header.appendLittleEndian(UInt32(0))
        header.appendLittleEndian(CRC32C.mask(CRC32C.checksum(header)))
        assert(header.count == SegmentFormat.Header.size)
        buffer += header
    }

    deinit {
        if case .writing = status { abort() }
    }

    /// The bytes written so far (the next section starts at or after this offset).
    public var byteCount: Int { bufferOffset + buffer.count }

    // MARK: Sections

    /// Starts a raw section: pads the file with zeros to a multiple of `alignment`.
    ///
    /// - Parameters:
    ///   - kind: What the section holds; each kind at most once per file.
    ///   - alignment: The section's first byte is a multiple of this (4096 for vectors that are
    ///     searched in place from the mapping). The default is 64, a cache line.
    /// - Throws: ``StorageError`` when writing the padding fails.
    /// - Precondition: No section is open, `kind` is new to this file, and `alignment` is a power of two.
    public func beginSection(kind: SegmentSectionKind, alignment: Int = 64) throws(StorageError) {
        try running { () throws(StorageError) in
            precondition(open == nil, "beginSection while section \(open!.kind) is open")
            precondition(
                alignment > 0 && alignment & (alignment - 1) == 0, "alignment \(alignment) is not a power of two")
            let isNew = kinds.insert(kind).inserted
            precondition(isNew, "section \(kind) written twice")
            precondition(
                sections.count < SegmentFormat.maxSectionCount, "more than \(SegmentFormat.maxSectionCount) sections")
            try pad(to: alignment)
            open = (kind, byteCount, 0)
        }
    }

    /// Appends bytes to the open section.
    ///
    /// - Parameter bytes: Any amount; small appends are gathered into 1 MiB writes.
    /// - Throws: ``StorageError`` when a write fails (the writer is then failed).
    /// - Precondition: A section is open.
    /// - Complexity: O(`bytes.count`).
    public func append(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        try running { () throws(StorageError) in
            precondition(open != nil, "append outside a section")
            open!.checksum = CRC32C.checksum(bytes, extending: open!.checksum)
            try write(bytes)
        }
    }

    /// Ends the open section and records it in the section table.
    ///
    /// - Precondition: A section is open.
    public func endSection() throws(StorageError) {
        try running { () throws(StorageError) in
            guard let section = open else { preconditionFailure("endSection without beginSection") }
            sections.append(
                SegmentSection(
                    kind: section.kind, offset: section.offset, length: byteCount - section.offset,
                    checksum: section.checksum, isCompressed: false))
            open = nil
        }
    }

    // MARK: Publishing

    /// Writes the section table and footer, syncs the file, renames it to `NNNNNN.seg` and syncs
    /// the directory.
    ///
    /// - Returns: The published file's description.
    /// - Throws: ``StorageError``; then no `NNNNNN.seg` exists (a rename that happened is undone)
    ///   and the temporary file is removed.
    /// - Precondition: No section is open.
    public func finish() throws(StorageError) -> SegmentInfo {
        try running { () throws(StorageError) -> SegmentInfo in
            precondition(open == nil, "finish while section \(open!.kind) is open")
            try pad(to: SegmentFormat.tableAlignment)
            let tableOffset = byteCount
            var table: [UInt8] = []
            table.reserveCapacity(sections.count * SegmentFormat.SectionEntry.size)
            for section in sections {
                table.appendLittleEndian(section.kind.rawValue)
                table.appendLittleEndian(section.isCompressed ? SegmentFormat.SectionEntry.compressedFlag : 0)
                table.appendLittleEndian(UInt64(section.offset))
                table.appendLittleEndian(UInt64(section.length))
                table.appendLittleEndian(CRC32C.mask(section.checksum))
                table.appendLittleEndian(UInt32(0))
            }
            var footer: [UInt8] = []
            footer.appendLittleEndian(UInt64(tableOffset))
            footer.appendLittleEndian(UInt32(sections.count))
            footer.appendLittleEndian(CRC32C.mask(CRC32C.checksum(table)))
            footer.appendLittleEndian(UInt64(tableOffset + table.count + SegmentFormat.Footer.size))
            footer.appendLittleEndian(number)
            footer.appendLittleEndian(SegmentFormat.version)
            footer.appendLittleEndian(UInt16(0))
            footer += SegmentFormat.magic
            footer.appendLittleEndian(CRC32C.mask(CRC32C.checksum(footer)))
            assert(footer.count == SegmentFormat.Footer.size)
            try write(table)
            try write(footer)
            try flush()
            let size = byteCount
            let file = self.file!
            try fileIO.synchronize(file, dataOnly: true)
            self.file = nil
            try fileIO.close(file)
            KillPoint.hit("segment.finish.beforeRename")
            try fileIO.rename(temporaryPath, to: path)
            KillPoint.hit("segment.finish.afterRename")
            do throws(StorageError) {
                try fileIO.synchronizeDirectory(layout.root)
            } catch {
                // The rename may or may not be durable; either way nothing may name the segment.
                try? fileIO.remove(path)
                throw error
            }
            KillPoint.hit("segment.finish.afterDirSync")
            status = .finished
            return SegmentInfo(number: number, path: path, byteCount: size, sections: sections)
        }
    }

    /// Abandons the segment: closes and removes the temporary file. Does nothing after
    /// ``finish()`` succeeded or after an earlier abort or failure.
    public func abort() {
        guard case .writing = status else { return }
        status = .aborted
        discard()
    }

    // MARK: Internals

    /// Runs `body` if the writer is usable; a failure in it fails the writer and removes its file.
    func running<R>(_ body: () throws(StorageError) -> R) throws(StorageError) -> R {
        switch status {
        case .writing: break
        case .failed(let error): throw error
        case .finished: throw StorageError(.invalidArgument, "segment \(number) is already published", file: path)
        case .aborted: throw StorageError(.invalidArgument, "segment \(number) was aborted", file: temporaryPath)
        }
        do {
            return try body()
        } catch {
            let located = error.at(temporaryPath)
            status = .failed(located)
            discard()
            throw located
        }
    }

    /// Starts a compressed section at the next multiple of 8 (called by the compressed-section encoder).
    func beginCompressedSection(kind: SegmentSectionKind) throws(StorageError) {
        precondition(open == nil, "addCompressedSection while section \(open!.kind) is open")
        let isNew = kinds.insert(kind).inserted
        precondition(isNew, "section \(kind) written twice")
        precondition(
            sections.count < SegmentFormat.maxSectionCount, "more than \(SegmentFormat.maxSectionCount) sections")
        try pad(to: 8)
        open = (kind, byteCount, 0)
    }

    /// Appends bytes to the open section without the usability check (for use inside `running`).
    func appendUnchecked(_ bytes: [UInt8]) throws(StorageError) {
        open!.checksum = CRC32C.checksum(bytes, extending: open!.checksum)
        try write(bytes)
    }

    /// Ends the open compressed section.
    func endCompressedSection() {
        let section = open!
        sections.append(
            SegmentSection(
                kind: section.kind, offset: section.offset, length: byteCount - section.offset,
                checksum: section.checksum,
                isCompressed: true))
        open = nil
    }

    private func discard() {
        if let file {
            try? fileIO.close(file)
            self.file = nil
        }
        buffer = []
        try? fileIO.remove(temporaryPath)
    }

    private func pad(to alignment: Int) throws(StorageError) {
        let remainder = byteCount % alignment
        if remainder != 0 { try write([UInt8](repeating: 0, count: alignment - remainder)) }
    }

    private func write(_ bytes: [UInt8]) throws(StorageError) {
        let result: Result<Void, StorageError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(StorageError) in try write(buffer) }
        }
        try result.get()
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        if buffer.count + bytes.count < chunkSize {
            buffer.append(contentsOf: bytes)
            return
        }
        try flush()
        if bytes.count >= chunkSize {
            // Large appends go straight to the file instead of through the buffer.
            try fileIO.write(file!, toAbsoluteOffset: Int64(bufferOffset), bytes)
            bufferOffset += bytes.count
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    private func flush() throws(StorageError) {
        guard !buffer.isEmpty else { return }
        try fileIO.write(file!, toAbsoluteOffset: Int64(bufferOffset), buffer)
        bufferOffset += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A writer belongs to the one task that writes the segment.
@available(*, unavailable)
extension SegmentWriter: Sendable {}
