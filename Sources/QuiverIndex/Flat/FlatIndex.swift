public import QuiverKernels
internal import CQuiverSIMD
internal import Synchronization

/// An exact index: every search compares the query with every live vector.
///
/// Right for small collections, for very selective filters and as ground truth for approximate
/// indexes. Vectors are stored as f32 in slots that never move; ids are assigned in insertion order.
/// Searches run in parallel with each other and wait only while vectors are being added.
public final class FlatIndex: Sendable {
    /// Dimensions per vector.
    public let dimension: Int
    /// The distance used by searches.
    public let metric: Metric
    private let space: VectorSpace
    private let vectors: ChunkedBuffer
    /// One byte per id: 1 when live.
    private let live: ChunkedBuffer
    private let lock = ReadWriteLock()
    private let state = Locked<(next: Int, live: Int)>((0, 0))

    /// Creates an empty exact index.
    ///
    /// - Throws: `IndexError.invalidArgument` when `dimension` is not in 1...65536.
    public init(dimension: Int, metric: Metric) throws(IndexError) {
        guard (1...65536).contains(dimension) else {
            throw .invalidArgument("dimension must be in 1...65536, got \(dimension)")
        }
        self.dimension = dimension
        self.metric = metric
        space = VectorSpace(metric: metric, encoding: .f32, dimension: dimension)
        vectors = ChunkedBuffer(stride: space.stride, chunkShift: 12)
        live = ChunkedBuffer(stride: 1, chunkShift: 16)
    }

    /// Number of live vectors.
    public var count: Int { state.withLock { $0.live } }

    /// Adds one vector and returns its id.
    ///
    /// - Throws: `IndexError.invalidArgument` for a wrong dimension or a non-finite element.
    @discardableResult
    public func add(_ vector: UnsafeBufferPointer<Float>) throws(IndexError) -> UInt32 {
        try add(contentsOf: vector)[0]
    }

    /// Adds the rows of a row-major matrix and returns their ids in row order.
    ///
    /// - Throws: `IndexError.invalidArgument` when `rows.count` is not a multiple of the dimension
    ///   or an element is not finite; nothing is added then.
    /// - Complexity: O(rows × dimension).
    @discardableResult
    public func add(contentsOf rows: UnsafeBufferPointer<Float>) throws(IndexError) -> [UInt32] {
        guard rows.count % dimension == 0, rows.count > 0 else {
            throw .invalidArgument("\(rows.count) elements is not a positive multiple of dimension \(dimension)")
        }
        let n = rows.count / dimension
        for r in 0..<n {
            try validate(UnsafeBufferPointer(rebasing: rows[r * dimension..<(r + 1) * dimension]), dimension: dimension)
        }
        return try lock.withWriteLock { () throws(IndexError) -> [UInt32] in
            let first = state.withLock { $0.next }
            guard first + n <= Int(UInt32.max) else { throw IndexError(.resourceExhausted, "index is full") }
            try vectors.ensureCapacity(first + n)
            try live.ensureCapacity(first + n)
            for r in 0..<n {
                let row = UnsafeBufferPointer(rebasing: rows[r * dimension..<(r + 1) * dimension])
                space.prepare(row, into: vectors.slot(first + r).assumingMemoryBound(to: Float.self))
                live.slot(first + r).storeBytes(of: 1, as: UInt8.self)
            }
            state.withLock { $0.next += n; $0.live += n }
            return (first..<first + n).map { UInt32($0) }
        }
    }

    /// Removes the vector with `id`.
    ///
    /// - Throws: `IndexError.notFound` when `id` is not live.
    public func remove(_ id: UInt32) throws(IndexError) {
        try lock.withWriteLock { () throws(IndexError) in
            guard Int(id) < state.withLock({ $0.next }), live.slot(Int(id)).load(as: UInt8.self) == 1 else {
                throw .notFound("no live vector with id \(id)")
            }
            live.slot(Int(id)).storeBytes(of: 0, as: UInt8.self)
            state.withLock { $0.live -= 1 }
        }
    }

    /// The exact `k` nearest live vectors to `query` that `filter` accepts, nearest first.
    ///
    /// - Throws: `IndexError.invalidArgument` for a wrong dimension, a non-finite element or `k < 1`.
    /// - Complexity: O(count × dimension).
    public func search(
        _ query: UnsafeBufferPointer<Float>, k: Int, filter: (UInt32) -> Bool = { _ in true }
    ) throws(IndexError) -> [SearchResult] {
        guard k >= 1 else { throw .invalidArgument("k must be at least 1, got \(k)") }
        try validate(query, dimension: dimension)
        let prepared = UnsafeMutablePointer<Float>.allocate(capacity: dimension)
        defer { prepared.deallocate() }
        space.prepare(query, into: prepared)
        return lock.withReadLock {
            scan(prepared, k: k, range: 0..<state.withLock { $0.next }, filter: filter)
        }
    }

    /// The exact `k` nearest neighbours of each row of `queries`, computed with `threads` threads.
    ///
    /// - Throws: `IndexError.invalidArgument` for a bad shape, a non-finite element or `k < 1`.
    public func search(batch queries: UnsafeBufferPointer<Float>, k: Int, threads: Int) throws(IndexError) -> [[SearchResult]] {
        guard k >= 1 else { throw .invalidArgument("k must be at least 1, got \(k)") }
        guard queries.count % dimension == 0 else {
            throw .invalidArgument("\(queries.count) elements is not a multiple of dimension \(dimension)")
        }
        let n = queries.count / dimension
        for q in 0..<n {
            try validate(UnsafeBufferPointer(rebasing: queries[q * dimension..<(q + 1) * dimension]), dimension: dimension)
        }
        let results = Locked<[[SearchResult]]>(Array(repeating: [], count: n))
        let next = Atomic<Int>(0)
        lock.withReadLock {
            let end = state.withLock { $0.next }
            runConcurrently(threads: max(1, min(threads, n))) { _ in
                let prepared = UnsafeMutablePointer<Float>.allocate(capacity: dimension)
                defer { prepared.deallocate() }
                while true {
                    let q = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard q < n else { break }
                    let row = UnsafeBufferPointer(rebasing: queries[q * dimension..<(q + 1) * dimension])
                    space.prepare(row, into: prepared)
                    let found = scan(prepared, k: k, range: 0..<end, filter: { _ in true })
                    results.withLock { $0[q] = found }
                }
            }
        }
        return results.withLock { $0 }
    }

    private func scan(
        _ query: UnsafePointer<Float>, k: Int, range: Range<Int>, filter: (UInt32) -> Bool
    ) -> [SearchResult] {
        var heap = NeighborHeap<FarthestFirst>(capacity: k + 1)
        defer { heap.deallocate() }
        for i in range where live.slot(i).load(as: UInt8.self) == 1 {
            guard filter(UInt32(i)) else { continue }
            let d = space.exactDistance(query, vectors.slot(i).assumingMemoryBound(to: Float.self))
            if heap.count < k {
                heap.push(Neighbor(distance: d, id: UInt32(i)))
            } else if d < heap.top.distance {
                heap.pop()
                heap.push(Neighbor(distance: d, id: UInt32(i)))
            }
        }
        return heap.drainAscending().map { SearchResult(id: $0.id, distance: $0.distance) }
    }
}
