
/// Per-search scratch space: visited tags, the two heaps and room for the encoded query.
///
/// A context is used by one thread at a time; ``SearchContextPool`` hands them out.
final class SearchContext: @unchecked Sendable {  // owned by one thread between take and give back
    var visited: VisitedSet
    var candidates = NeighborHeap<NearestFirst>()
    var results = NeighborHeap<FarthestFirst>()
    /// The query after normalisation (f32, `dimension` elements).
    let prepared: UnsafeMutablePointer<Float>
    /// The query encoded like stored vectors (`stride` bytes, 64-byte aligned).
    let encoded: UnsafeMutableRawPointer
    /// Unvisited neighbours of the node being expanded, gathered before their distances are
    /// computed so that all their vectors are fetched from memory in parallel.
    let batch: UnsafeMutablePointer<UInt32>

    init(dimension: Int, stride: Int, capacity: Int) {
        visited = VisitedSet(capacity: capacity)
        prepared = .allocate(capacity: max(dimension, 1))
        encoded = .allocate(byteCount: max(stride, 16), alignment: 64)
        batch = .allocate(capacity: 256)
    }

    deinit {
        visited.deallocate()
        candidates.deallocate()
        results.deallocate()
        prepared.deallocate()
        encoded.deallocate()
        batch.deallocate()
    }
}

/// A pool of search contexts so that searches do not allocate scratch space.
final class SearchContextPool: Sendable {
    private let free = Locked<[SearchContext]>([])
    private let dimension: Int
    private let stride: Int

    init(dimension: Int, stride: Int) {
        self.dimension = dimension
        self.stride = stride
    }

    /// Runs `body` with a context whose visited set covers ids below `nodeCount`.
    @inline(__always)
    func withContext<T, E: Error>(nodeCount: Int, _ body: (SearchContext) throws(E) -> T) throws(E) -> T {
        let context = free.withLock { $0.popLast() } ?? SearchContext(dimension: dimension, stride: stride, capacity: nodeCount)
        defer { free.withLock { $0.append(context) } }
        return try body(context)
    }
}
