internal import QuiverKernels
internal import CQuiverSIMD
internal import Synchronization

/// An approximate nearest-neighbour index: a hierarchical navigable small-world graph (HNSW).
///
/// Vectors get internal ids (`UInt32`) in insertion order; ids of deleted vectors are reused after
/// ``purgeDeleted()``. Map your own keys to ids in the layer above.
///
/// Memory is flat: encoded vectors, per-node records with the bottom-layer neighbour list, and
/// upper-layer lists each live in slot buffers that never move. There is no object per node.
///
/// Concurrency: searches never block and run during inserts and deletes; inserts run in parallel
/// with each other (``add(contentsOf:threads:progress:)``); ``purgeDeleted()`` excludes inserts
/// while it repairs the graph.
public final class HNSWIndex: Sendable {
    /// The parameters the index was created with.
    public let configuration: HNSWConfiguration

    let space: VectorSpace
    let dimension: Int
    /// Maximum neighbours per node on layers above 0.
    let maxNeighbors: Int
    /// Maximum neighbours per node on layer 0.
    let maxNeighbors0: Int
    /// 1 / ln(M): the level distribution's scale.
    let levelScale: Double

    /// Per node: [lock u8, level u8, state u8, upper capacity u8, upper block u32, count u32,
    /// neighbours u32 × maxNeighbors0].
    let nodes: ChunkedBuffer
    /// Upper-layer lists: per block [count u32, neighbours u32 × maxNeighbors].
    let upper: ChunkedBuffer
    /// Encoded vectors.
    let vectors: ChunkedBuffer
    /// f32 originals (normalised for cosine), when ``HNSWConfiguration/keepsOriginals``.
    let originals: ChunkedBuffer?

    /// Packed `(level << 32) | id` of the entry point, or `emptyEntry`.
    let entry = Atomic<UInt64>(emptyEntry)
    /// Serialises raising the entry point's level.
    let entryLock = Locked<Void>(())
    /// Shared by inserts and deletes, exclusive for purges.
    let structureLock = ReadWriteLock()
    let epoch = ReaderEpoch()
    let contexts: SearchContextPool
    /// Ids below this have slots; searches size their visited sets from it.
    let highWater = Atomic<Int>(0)
    let allocation = Locked<IdAllocation>(IdAllocation())
    let liveCount = Atomic<Int>(0)
    let deletedCount = Atomic<Int>(0)
    private let automaticPurgeEnabled = Atomic<Bool>(true)

    /// Whether ``remove(_:)`` purges once deleted vectors reach the purge ratio (default `true`).
    /// An owner that keeps ids of deleted vectors meaningful (a storage engine's memtable, read by
    /// snapshots) turns it off and purges a copy instead.
    package var automaticPurge: Bool {
        get { automaticPurgeEnabled.load(ordering: .relaxed) }
        set { automaticPurgeEnabled.store(newValue, ordering: .relaxed) }
    }

    static let emptyEntry = UInt64.max
    static let levelLimit = 31

    struct IdAllocation {
        var next = 0
        var free: [UInt32] = []
        var sequence: UInt64 = 0
        var nextBlock = 0
        /// Upper-layer block runs released by reused ids, by run length.
        var freeBlocks: [Int: [Int]] = [:]
    }

    enum NodeState: UInt8 {
        case free = 0, live = 1, deleted = 2
    }

    /// Whether the index is a view of an image it cannot change (a mapped segment): adds,
    /// removes and purges are refused.
    let isReadOnly: Bool

    /// Creates an empty index.
    ///
    /// - Throws: `IndexError.invalidArgument` when a parameter is out of range.
    public convenience init(_ configuration: HNSWConfiguration) throws(IndexError) {
        try configuration.validate()
        let space = VectorSpace(metric: configuration.metric, encoding: configuration.encoding, dimension: configuration.dimension)
        self.init(
            configuration: configuration,
            nodes: ChunkedBuffer(stride: Self.nodeStride(configuration), chunkShift: 13),
            upper: ChunkedBuffer(stride: Self.upperStride(configuration), chunkShift: 12),
            vectors: ChunkedBuffer(stride: space.stride, chunkShift: 12),
            originals: configuration.keepsOriginals
                ? ChunkedBuffer(stride: Self.originalStride(configuration), chunkShift: 12) : nil,
            isReadOnly: false)
    }

    /// Creates an index over existing buffers; the caller sets counts and the entry point.
    init(
        configuration: HNSWConfiguration, nodes: ChunkedBuffer, upper: ChunkedBuffer, vectors: ChunkedBuffer,
        originals: ChunkedBuffer?, isReadOnly: Bool
    ) {
        self.configuration = configuration
        dimension = configuration.dimension
        space = VectorSpace(metric: configuration.metric, encoding: configuration.encoding, dimension: dimension)
        maxNeighbors = configuration.m
        maxNeighbors0 = 2 * configuration.m
        levelScale = 1 / log(Double(configuration.m))
        self.nodes = nodes
        self.upper = upper
        self.vectors = vectors
        self.originals = originals
        self.isReadOnly = isReadOnly
        contexts = SearchContextPool(dimension: dimension, stride: space.stride)
    }

    /// Bytes per node record: lock, level, state, upper capacity, upper block, count, 2M neighbours.
    static func nodeStride(_ configuration: HNSWConfiguration) -> Int { 12 + 8 * configuration.m }
    /// Bytes per upper-layer block: count and M neighbours.
    static func upperStride(_ configuration: HNSWConfiguration) -> Int { 4 * (1 + configuration.m) }
    /// Bytes per f32 original, padded to 16.
    static func originalStride(_ configuration: HNSWConfiguration) -> Int { (configuration.dimension * 4 + 15) & ~15 }

    /// Number of live (not deleted) vectors.
    public var count: Int { liveCount.load(ordering: .relaxed) }

    /// Memory the index uses, by part: slots of every allocated id (live, deleted or free).
    ///
    /// Chunks are reserved ahead in 4096-slot steps but their pages become resident only when
    /// used, so this is what the index adds to the process's resident memory.
    public var memoryUsage: IndexMemoryUsage {
        let (slots, blocks) = allocation.withLock { ($0.next, $0.nextBlock) }
        return IndexMemoryUsage(
            vectorBytes: slots * vectors.stride,
            graphBytes: slots * nodes.stride + blocks * upper.stride,
            originalVectorBytes: slots * (originals?.stride ?? 0))
    }

    // MARK: Node records

    @inline(__always)
    func node(_ id: UInt32) -> UnsafeMutableRawPointer { nodes.slot(Int(id)) }

    @inline(__always)
    func vector(at id: UInt32) -> UnsafeRawPointer { UnsafeRawPointer(vectors.slot(Int(id))) }

    /// The level byte of `id`'s record, whatever the slot's state (see ``level(of:)`` for live nodes).
    @inline(__always)
    func storedLevel(of id: UInt32) -> Int { Int(node(id).load(fromByteOffset: 1, as: UInt8.self)) }

    @inline(__always)
    func state(of id: UInt32) -> NodeState {
        // A byte no version writes (a damaged image) reads as a free slot.
        NodeState(rawValue: quiver_load_u8_acquire(node(id).assumingMemoryBound(to: UInt8.self) + 2)) ?? .free
    }

    @inline(__always)
    func setState(_ state: NodeState, of id: UInt32) {
        quiver_store_u8_release(node(id).assumingMemoryBound(to: UInt8.self) + 2, state.rawValue)
    }

    /// The neighbour list of `id` on `level`: element 0 is the count, then the ids.
    @inline(__always)
    func links(_ id: UInt32, level: Int) -> UnsafeMutablePointer<UInt32> {
        let record = node(id)
        if level == 0 { return (record + 8).assumingMemoryBound(to: UInt32.self) }
        let block = Int(record.load(fromByteOffset: 4, as: UInt32.self)) &+ level &- 1
        // Only a damaged image names a block past the end; read it as an empty list.
        guard block < upper.capacity else { return Self.emptyList }
        return upper.slot(block).assumingMemoryBound(to: UInt32.self)
    }

    /// A list with no neighbours, never written.
    nonisolated(unsafe) static let emptyList: UnsafeMutablePointer<UInt32> = {
        let list = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
        list.initialize(to: 0)
        return list
    }()

    @inline(__always)
    func withNodeLock<T>(_ id: UInt32, _ body: () -> T) -> T {
        let lock = node(id).assumingMemoryBound(to: UInt8.self)
        quiver_spin_lock(lock)
        defer { quiver_spin_unlock(lock) }
        return body()
    }

    @inline(__always)
    func maxNeighbors(level: Int) -> Int { level == 0 ? maxNeighbors0 : maxNeighbors }

    @inline(__always)
    static func packEntry(_ id: UInt32, level: Int) -> UInt64 { UInt64(level) << 32 | UInt64(id) }

    // MARK: Reading vectors back

    /// The vector stored under `id`: exact for `.f32` or when originals are kept, else decoded.
    /// Cosine indexes return the normalised vector.
    ///
    /// - Throws: `IndexError.notFound` when `id` is not live.
    public func vector(_ id: UInt32) throws(IndexError) -> [Float] { try vector(id, includingDeleted: false) }

    /// The vector stored under `id`, which may be deleted (but not purged) when
    /// `includingDeleted`: what a reader holding an older view of the ids reads.
    ///
    /// - Throws: `IndexError.notFound` when `id` holds no vector.
    package func vector(_ id: UInt32, includingDeleted: Bool) throws(IndexError) -> [Float] {
        let e = epoch.enter()
        defer { epoch.exit(e) }
        guard Int(id) < highWater.load(ordering: .acquiring),
            state(of: id) == .live || (includingDeleted && state(of: id) == .deleted)
        else {
            throw .notFound("no live vector with id \(id)")
        }
        var out = [Float](repeating: 0, count: dimension)
        out.withUnsafeMutableBufferPointer { buffer in
            if let originals {
                buffer.baseAddress!.update(from: originals.slot(Int(id)).assumingMemoryBound(to: Float.self), count: dimension)
                return
            }
            let stored = vector(at: id)
            switch configuration.encoding {
            case .f32: buffer.baseAddress!.update(from: stored.assumingMemoryBound(to: Float.self), count: dimension)
            case .f16: HalfPrecision.decode(stored.assumingMemoryBound(to: UInt16.self), count: dimension, into: buffer.baseAddress!)
            case .i8: ScalarQuantizer.decode(stored, dimension: dimension, into: buffer)
            case .binary:
                let words = stored.assumingMemoryBound(to: UInt64.self)
                for i in 0..<dimension { buffer[i] = words[i / 64] >> UInt64(i % 64) & 1 == 1 ? 1 : -1 }
            }
        }
        return out
    }

    /// Ids below this have been handed out (live, deleted or free): the size of an id-indexed table.
    package var slotCount: Int { highWater.load(ordering: .acquiring) }

    /// Whether `id` names a live vector.
    public func contains(_ id: UInt32) -> Bool {
        Int(id) < highWater.load(ordering: .acquiring) && state(of: id) == .live
    }
}

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif
