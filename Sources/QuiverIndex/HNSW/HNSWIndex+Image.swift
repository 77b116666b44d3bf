internal import QuiverKernels
internal import Synchronization

/// The four flat parts an ``HNSWIndex`` keeps its state in, as a storage layer writes them.
package enum HNSWImagePart: CaseIterable, Sendable {
    /// Node records, `nodeStride` bytes per id.
    case nodes
    /// Upper-layer neighbour blocks, `upperStride` bytes each.
    case upper
    /// Encoded vectors, `vectorStride` bytes per id.
    case vectors
    /// f32 originals for re-ranking, `originalStride` bytes per id (quantised indexes only).
    case originals
}

/// An index's state as header bytes plus its parts: what a segment file stores, and what an index
/// can be opened from without copying (``HNSWIndex/init(header:parts:)``).
///
/// The header (version 1, little-endian, 112 bytes) records the configuration, the part sizes
/// and strides, the entry point and the counters; `docs/file-format.md` lists its fields.
///
/// An image made with ``HNSWIndex/withImage(renumberedBy:_:)`` has the same format: it is the image
/// of the index with its ids permuted, produced run by run from the live buffers.
package struct HNSWImage {
    /// The encoded header.
    package let header: [UInt8]
    /// The parts present, each with its exact byte length.
    package let partLengths: [HNSWImagePart: Int]
    private let index: HNSWIndex
    private let slotCount: Int
    private let blockCount: Int
    private let renumbering: HNSWRenumbering?

    fileprivate init(index: HNSWIndex, header: HNSWImageHeader, renumbering: HNSWRenumbering?) {
        self.index = index
        self.header = header.encoded()
        self.slotCount = header.slotCount
        self.blockCount = header.blockCount
        self.renumbering = renumbering
        var lengths: [HNSWImagePart: Int] = [
            .nodes: slotCount * index.nodes.stride,
            .upper: blockCount * index.upper.stride,
            .vectors: slotCount * index.vectors.stride,
        ]
        if let originals = index.originals { lengths[.originals] = slotCount * originals.stride }
        partLengths = lengths
    }

    /// Calls `body` with the bytes of `part` in order, in runs; nothing when the part is absent.
    ///
    /// A plain image passes views of the index's own chunks. A renumbered one gathers and
    /// translates each run into a scratch buffer of about 1 MiB, reused for the next run, so
    /// `body` must not keep a run past its call.
    package func forEachRun(of part: HNSWImagePart, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        if let renumbering {
            try renumbering.forEachRun(of: part, index: index, slotCount: slotCount, blockCount: blockCount, body)
            return
        }
        switch part {
        case .nodes: try index.nodes.forEachRun(count: slotCount, body)
        case .upper: try index.upper.forEachRun(count: blockCount, body)
        case .vectors: try index.vectors.forEachRun(count: slotCount, body)
        case .originals: try index.originals?.forEachRun(count: slotCount, body)
        }
    }
}

/// The counters and geometry in an image header.
struct HNSWImageHeader: Equatable {
    static let version: UInt32 = 1
    static let byteCount = 112

    var configuration: HNSWConfiguration
    var slotCount: Int
    var blockCount: Int
    var entry: UInt64
    var liveCount: Int
    var deletedCount: Int
    var sequence: UInt64
    var nodeStride: Int
    var upperStride: Int
    var vectorStride: Int
    var originalStride: Int

    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.byteCount)
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        put(Self.version)
        put(UInt32(configuration.dimension))
        put(Self.metricCode(configuration.metric))
        put(Self.encodingCode(configuration.encoding))
        put(UInt8(configuration.rerank ? 1 : 0))
        put(UInt8(0))
        put(UInt32(configuration.m))
        put(UInt32(configuration.efConstruction))
        put(configuration.seed)
        put(configuration.purgeRatio.bitPattern)
        put(UInt64(slotCount))
        put(UInt64(blockCount))
        put(entry)
        put(UInt64(liveCount))
        put(UInt64(deletedCount))
        put(sequence)
        put(UInt32(nodeStride))
        put(UInt32(upperStride))
        put(UInt32(vectorStride))
        put(UInt32(originalStride))
        put(UInt64(0))  // reserved
        put(UInt32(0))
        assert(out.count == Self.byteCount)
        return out
    }

    /// Decodes and checks a header: version, a valid configuration, strides that match it.
    init(decoding bytes: UnsafeRawBufferPointer) throws(IndexError) {
        guard bytes.count >= Self.byteCount else {
            throw .invalidArgument("index header is \(bytes.count) bytes, expected \(Self.byteCount)")
        }
        var offset = 0
        func get<T: FixedWidthInteger>(_: T.Type) -> T {
            defer { offset += MemoryLayout<T>.size }
            return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        let version = get(UInt32.self)
        guard version == Self.version else {
            throw .invalidArgument("index image version \(version) is not supported (this build reads version \(Self.version))")
        }
        let dimension = Int(get(UInt32.self))
        guard let metric = Self.metric(get(UInt8.self)), let encoding = Self.encoding(get(UInt8.self)) else {
            throw .invalidArgument("index header names an unknown metric or encoding")
        }
        var configuration = HNSWConfiguration(dimension: dimension, metric: metric)
        configuration.encoding = encoding
        configuration.rerank = get(UInt8.self) != 0
        _ = get(UInt8.self)
        configuration.m = Int(get(UInt32.self))
        configuration.efConstruction = Int(get(UInt32.self))
        configuration.seed = get(UInt64.self)
        configuration.purgeRatio = Double(bitPattern: get(UInt64.self))
        try configuration.validate()
        self.configuration = configuration
        func count(_ name: String) throws(IndexError) -> Int {
            let value = get(UInt64.self)
            guard value < UInt64(UInt32.max) else { throw .invalidArgument("index header: \(name) \(value) is out of range") }
            return Int(value)
        }
        slotCount = try count("slot count")
        blockCount = try count("block count")
        entry = get(UInt64.self)
        liveCount = try count("live count")
        deletedCount = try count("deleted count")
        sequence = get(UInt64.self)
        nodeStride = Int(get(UInt32.self))
        upperStride = Int(get(UInt32.self))
        vectorStride = Int(get(UInt32.self))
        originalStride = Int(get(UInt32.self))
        let space = VectorSpace(metric: metric, encoding: encoding, dimension: dimension)
        guard nodeStride == HNSWIndex.nodeStride(configuration), upperStride == HNSWIndex.upperStride(configuration),
            vectorStride == space.stride,
            originalStride == (configuration.keepsOriginals ? HNSWIndex.originalStride(configuration) : 0)
        else { throw .invalidArgument("index header strides do not match its configuration") }
        guard liveCount + deletedCount <= slotCount else {
            throw .invalidArgument("index header counts \(liveCount) live + \(deletedCount) deleted exceed \(slotCount) slots")
        }
        if entry != HNSWIndex.emptyEntry {
            guard entry & 0xFFFF_FFFF < UInt64(slotCount), entry >> 32 <= UInt64(HNSWIndex.levelLimit) else {
                throw .invalidArgument("index header entry point \(entry & 0xFFFF_FFFF) is out of range")
            }
        } else {
            guard liveCount == 0 else { throw .invalidArgument("index header has live vectors but no entry point") }
        }
    }

    init(
        configuration: HNSWConfiguration, slotCount: Int, blockCount: Int, entry: UInt64, liveCount: Int,
        deletedCount: Int, sequence: UInt64, nodeStride: Int, upperStride: Int, vectorStride: Int, originalStride: Int
    ) {
        self.configuration = configuration
        self.slotCount = slotCount
        self.blockCount = blockCount
        self.entry = entry
        self.liveCount = liveCount
        self.deletedCount = deletedCount
        self.sequence = sequence
        self.nodeStride = nodeStride
        self.upperStride = upperStride
        self.vectorStride = vectorStride
        self.originalStride = originalStride
    }

    private static func metricCode(_ metric: Metric) -> UInt8 {
        switch metric {
        case .l2: 0
        case .innerProduct: 1
        case .cosine: 2
        }
    }

    private static func metric(_ code: UInt8) -> Metric? { [Metric.l2, .innerProduct, .cosine].dropFirst(Int(code)).first }

    private static func encodingCode(_ encoding: VectorEncoding) -> UInt8 {
        switch encoding {
        case .f32: 0
        case .f16: 1
        case .i8: 2
        case .binary: 3
        }
    }

    private static func encoding(_ code: UInt8) -> VectorEncoding? {
        [VectorEncoding.f32, .f16, .i8, .binary].dropFirst(Int(code)).first
    }
}

extension HNSWIndex {
    /// Calls `body` with the index's image while inserts, deletes and purges wait; searches go on.
    ///
    /// The image reads the live buffers: use it only inside `body`.
    package func withImage<R>(_ body: (HNSWImage) throws -> R) throws -> R {
        try structureLock.withWriteLock { () throws -> R in
            try body(HNSWImage(index: self, header: currentHeader(), renumbering: nil))
        }
    }

    /// Calls `body` with the image of this index with its ids renumbered, while inserts, deletes
    /// and purges wait; searches go on.
    ///
    /// The image is exactly that of an index in which the node record, vector, original and
    /// upper-layer blocks of old id `order[i]` sit at id `i`: every neighbour id, on layer 0 and
    /// above, and the entry point are translated to the new ids, and free and deleted slots keep
    /// their state. Upper-layer blocks keep their places (records point at them). The parts are
    /// produced run by run while `body` reads them, so no second copy of the index is built; the
    /// identity permutation gives the bytes of ``withImage(_:)``.
    ///
    /// - Parameters:
    ///   - order: `order[newID] = oldID`, a permutation of `0..<slotCount`.
    ///   - body: reads the image; it reads the live buffers, so use it only inside `body`.
    /// - Throws: `IndexError.invalidArgument` when `order` is not a permutation of `0..<slotCount`
    ///   (before `body` runs); otherwise what `body` throws.
    /// - Complexity: O(slotCount) to check `order`; each part costs one pass over its bytes.
    package func withImage<R>(renumberedBy order: [UInt32], _ body: (HNSWImage) throws -> R) throws -> R {
        try structureLock.withWriteLock { () throws -> R in
            var header = currentHeader()
            let renumbering = try HNSWRenumbering(order: order, count: header.slotCount)
            header.entry = renumbering.translatedEntry(header.entry)
            return try body(HNSWImage(index: self, header: header, renumbering: renumbering))
        }
    }

    /// The header of the index as it is now; call it while inserts and purges are excluded.
    private func currentHeader() -> HNSWImageHeader {
        let (slots, blocks, sequence) = allocation.withLock { ($0.next, $0.nextBlock, $0.sequence) }
        return HNSWImageHeader(
            configuration: configuration, slotCount: slots, blockCount: blocks,
            entry: entry.load(ordering: .acquiring), liveCount: liveCount.load(ordering: .relaxed),
            deletedCount: deletedCount.load(ordering: .relaxed), sequence: sequence, nodeStride: nodes.stride,
            upperStride: upper.stride, vectorStride: vectors.stride, originalStride: originals?.stride ?? 0)
    }

    /// Opens a read-only index over an image's parts without copying them (typically views into a
    /// mapped segment, which must outlive the index).
    ///
    /// Searches work as on any index; `add`, `remove` and `purgeDeleted` are refused or do nothing.
    /// Neighbour ids, list counts and upper blocks are bounds-checked during search, so a damaged
    /// image can give poor results but never a read outside its parts; checksums are the storage
    /// layer's job.
    ///
    /// - Throws: `IndexError.invalidArgument` when the header is malformed or a part is shorter
    ///   than the header says.
    package convenience init(header: UnsafeRawBufferPointer, parts: [HNSWImagePart: UnsafeRawBufferPointer]) throws(IndexError) {
        let h = try HNSWImageHeader(decoding: header)
        func part(_ which: HNSWImagePart, count: Int, stride: Int) throws(IndexError) -> ChunkedBuffer {
            guard let bytes = parts[which], let base = bytes.baseAddress ?? (count == 0 ? UnsafeRawPointer(bitPattern: 64) : nil),
                bytes.count >= count * stride
            else { throw .invalidArgument("index image part \(which) is missing or shorter than \(count) × \(stride) bytes") }
            return ChunkedBuffer(external: base, stride: stride, count: count, chunkShift: 12)
        }
        let nodes = try part(.nodes, count: h.slotCount, stride: h.nodeStride)
        let upper = try part(.upper, count: h.blockCount, stride: h.upperStride)
        let vectors = try part(.vectors, count: h.slotCount, stride: h.vectorStride)
        let originals = h.originalStride > 0 ? try part(.originals, count: h.slotCount, stride: h.originalStride) : nil
        self.init(
            configuration: h.configuration, nodes: nodes, upper: upper, vectors: vectors, originals: originals,
            isReadOnly: true)
        restoreCounters(h)
    }

    /// A writable copy of this index (typically of a read-only mapped one), for compaction.
    ///
    /// - Throws: `IndexError.resourceExhausted` when memory runs out.
    package func thawed() throws(IndexError) -> HNSWIndex {
        let copy = try HNSWIndex(configuration)
        let header = structureLock.withReadLock { currentHeader() }
        func copyPart(_ from: ChunkedBuffer?, _ to: ChunkedBuffer?, count: Int) throws(IndexError) {
            guard let from, let to else { return }
            try to.ensureCapacity(count)
            var i = 0
            from.forEachRun(count: count) { run in
                to.slot(i).copyMemory(from: run.baseAddress!, byteCount: run.count)
                i += run.count / from.stride
            }
        }
        // A source run never crosses a destination chunk: runs are whole chunks of 4096 or 8192
        // slots, and each destination chunk is the same size or twice it.
        try copyPart(nodes, copy.nodes, count: header.slotCount)
        try copyPart(upper, copy.upper, count: header.blockCount)
        try copyPart(vectors, copy.vectors, count: header.slotCount)
        try copyPart(originals, copy.originals, count: header.slotCount)
        copy.restoreCounters(header)
        copy.allocation.withLock { state in
            for id in 0..<header.slotCount where copy.state(of: UInt32(id)) == .free { state.free.append(UInt32(id)) }
            state.free.reverse()
        }
        for id in 0..<header.slotCount { copy.node(UInt32(id)).storeBytes(of: 0, as: UInt8.self) }  // node locks
        return copy
    }

    private func restoreCounters(_ h: HNSWImageHeader) {
        allocation.withLock { state in
            state.next = h.slotCount
            state.nextBlock = h.blockCount
            state.sequence = h.sequence
        }
        entry.store(h.entry, ordering: .releasing)
        liveCount.store(h.liveCount, ordering: .relaxed)
        deletedCount.store(h.deletedCount, ordering: .relaxed)
        highWater.store(h.slotCount, ordering: .releasing)
    }
}
