internal import CQuiverSIMD
internal import Synchronization
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

extension HNSWIndex {
    /// Adds one vector and returns its id.
    ///
    /// - Throws: `IndexError.invalidArgument` for a wrong dimension or a non-finite element;
    ///   `IndexError.resourceExhausted` when the index is full. Nothing is added then.
    /// - Complexity: O(efConstruction × M × log n) distance computations.
    @discardableResult
    public func add(_ vector: UnsafeBufferPointer<Float>) throws(IndexError) -> UInt32 {
        try validate(vector, dimension: dimension)
        return try add(contentsOf: vector, threads: 1)[0]
    }

    /// Adds one vector and returns its id.
    ///
    /// - Throws: see ``add(_:)-(UnsafeBufferPointer<Float>)``.
    @discardableResult
    public func add(_ vector: [Float]) throws(IndexError) -> UInt32 {
        try vector.withUnsafeBufferPointer { (buffer) throws(IndexError) -> UInt32 in try add(buffer) }
    }

    /// Adds the rows of a row-major matrix using `threads` threads and returns their ids in row
    /// order (`0..<rows` on a fresh index).
    ///
    /// With `threads == 1` the resulting graph depends only on the configuration's seed and the
    /// rows, so a rebuild is identical.
    ///
    /// - Parameters:
    ///   - rows: `rows × dimension` floats.
    ///   - threads: insert threads; values below 1 mean 1.
    ///   - progress: called from worker threads with the number of rows inserted so far.
    /// - Throws: `IndexError.invalidArgument` for a bad shape or a non-finite element (checked
    ///   before anything is added); `IndexError.resourceExhausted` when the index is full.
    public func add(
        contentsOf rows: UnsafeBufferPointer<Float>, threads: Int, progress: (@Sendable (Int) -> Void)? = nil
    ) throws(IndexError) -> [UInt32] {
        guard rows.count > 0, rows.count % dimension == 0 else {
            throw .invalidArgument("\(rows.count) elements is not a positive multiple of dimension \(dimension)")
        }
        let n = rows.count / dimension
        for r in 0..<n {
            try validate(UnsafeBufferPointer(rebasing: rows[r * dimension..<(r + 1) * dimension]), dimension: dimension)
        }
        return try structureLock.withReadLock { () throws(IndexError) -> [UInt32] in
            let assigned = try allocate(count: n)
            let next = Atomic<Int>(0)
            let done = Atomic<Int>(0)
            runConcurrently(threads: max(1, min(threads, n))) { _ in
                contexts.withContext(nodeCount: highWater.load(ordering: .acquiring)) { context in
                    while true {
                        let r = next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard r < n else { break }
                        let row = UnsafeBufferPointer(rebasing: rows[r * dimension..<(r + 1) * dimension])
                        insert(assigned[r].id, level: assigned[r].level, row: row, context: context)
                        let finished = done.wrappingAdd(1, ordering: .relaxed).newValue
                        if let progress, finished % 256 == 0 || finished == n { progress(finished) }
                    }
                }
            }
            return assigned.map(\.id)
        }
    }

    /// Reserves ids (reusing purged ones first), draws their levels and prepares their records.
    private func allocate(count n: Int) throws(IndexError) -> [(id: UInt32, level: Int)] {
        guard !isReadOnly else { throw .invalidArgument("the index is read-only (opened from an image)") }
        return try allocation.withLock { (state) throws(IndexError) -> [(id: UInt32, level: Int)] in
            let reused = min(n, state.free.count)
            let fresh = n - reused
            guard state.next + fresh < Int(UInt32.max) else {
                throw IndexError(.resourceExhausted, "index is full (\(UInt32.max - 1) ids)")
            }
            try nodes.ensureCapacity(state.next + fresh)
            try vectors.ensureCapacity(state.next + fresh)
            try originals?.ensureCapacity(state.next + fresh)
            var out: [(id: UInt32, level: Int)] = []
            out.reserveCapacity(n)
            for i in 0..<n {
                let id: UInt32
                if i < reused {
                    id = state.free.removeLast()
                } else {
                    id = UInt32(state.next)
                    state.next += 1
                }
                let level = drawLevel(sequence: state.sequence)
                state.sequence += 1
                try prepareRecord(id, level: level, blocks: &state)
                out.append((id, level))
            }
            highWater.store(state.next, ordering: .releasing)
            return out
        }
    }

    /// The level of the `sequence`-th insert: `floor(-ln(u) / ln(M))` for a hashed uniform `u`.
    private func drawLevel(sequence: UInt64) -> Int {
        var z = configuration.seed &+ (sequence &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let u = (Double(z >> 11) + 1) * 0x1p-53  // (0, 1]
        return min(Int(-log(u) * levelScale), Self.levelLimit)
    }

    /// Writes the record of a new or reused id: level, upper-layer blocks, empty lists.
    ///
    /// A reused id keeps its upper-layer blocks when they are enough; otherwise they go to a free
    /// list by run length, and the node takes the shortest freed run that fits before new blocks.
    private func prepareRecord(_ id: UInt32, level: Int, blocks: inout IdAllocation) throws(IndexError) {
        let record = node(id)
        var capacity = Int(record.load(fromByteOffset: 3, as: UInt8.self))
        if level > capacity {
            if capacity > 0 {
                blocks.freeBlocks[capacity, default: []].append(Int(record.load(fromByteOffset: 4, as: UInt32.self)))
            }
            let start: Int
            if let size = (level...Self.levelLimit).first(where: { blocks.freeBlocks[$0]?.isEmpty == false }) {
                start = blocks.freeBlocks[size]!.removeLast()
                capacity = size
            } else {
                // Blocks of one node stay in one chunk so that `links` can address them by offset.
                let chunk = 1 << upper.chunkShift
                if (blocks.nextBlock & (chunk - 1)) + level > chunk {
                    blocks.nextBlock = (blocks.nextBlock + chunk - 1) & ~(chunk - 1)
                }
                try upper.ensureCapacity(blocks.nextBlock + level)
                start = blocks.nextBlock
                blocks.nextBlock += level
                capacity = level
            }
            record.storeBytes(of: UInt32(start), toByteOffset: 4, as: UInt32.self)
        }
        record.storeBytes(of: UInt8(level), toByteOffset: 1, as: UInt8.self)
        record.storeBytes(of: UInt8(capacity), toByteOffset: 3, as: UInt8.self)
        for l in 0...level { quiver_store_u32_release(links(id, level: l), 0) }
    }

    /// Stores `row` under `id` and links it into the graph.
    func insert(_ id: UInt32, level: Int, row: UnsafeBufferPointer<Float>, context: SearchContext) {
        space.prepare(row, into: context.prepared)
        let prepared = UnsafeBufferPointer(start: context.prepared, count: dimension)
        if let originals {
            originals.slot(Int(id)).copyMemory(from: context.prepared, byteCount: dimension * 4)
        }
        space.encode(prepared, into: vectors.slot(Int(id)))
        setState(.live, of: id)
        liveCount.wrappingAdd(1, ordering: .relaxed)
        let e = epoch.enter()
        defer { epoch.exit(e) }
        link(id, level: level, context: context)
    }

    /// Connects `id` to its nearest neighbours on every layer up to `level`.
    private func link(_ id: UInt32, level: Int, context: SearchContext) {
        let query = vector(at: id)
        var packed = entry.load(ordering: .acquiring)
        if packed == Self.emptyEntry {
            let installed: Bool = entryLock.withLock { _ in
                packed = entry.load(ordering: .acquiring)
                guard packed == Self.emptyEntry else { return false }
                entry.store(Self.packEntry(id, level: level), ordering: .releasing)
                return true
            }
            if installed { return }
        }
        var raisesEntry = level > Int(packed >> 32)
        let body = { [self] in
            let top = Int(packed >> 32)
            var current = Neighbor(distance: 0, id: UInt32(truncatingIfNeeded: packed))
            current.distance = space.distance(query, vector(at: current.id))
            if top > level {
                for l in stride(from: top, to: level, by: -1) { current = greedyClosest(query, from: current, level: l) }
            }
            for l in stride(from: min(level, top), through: 0, by: -1) {
                searchLayerSkippingDeleted(query, from: current, ef: configuration.efConstruction, level: l, context: context)
                let candidates = context.results.drainAscending()
                guard let nearest = candidates.first else { continue }
                let chosen = selectNeighbors(candidates, max: maxNeighbors)
                storeOwnLinks(id, chosen: chosen, query: query, level: l)
                for c in chosen { connect(c.id, to: id, distance: c.distance, level: l) }
                current = nearest
            }
        }
        if raisesEntry {
            entryLock.withLock { _ in
                packed = entry.load(ordering: .acquiring)
                raisesEntry = level > Int(packed >> 32)
                body()
                if raisesEntry { entry.store(Self.packEntry(id, level: level), ordering: .releasing) }
            }
        } else {
            body()
        }
    }

    /// Writes the new node's own list on `level`. Once `id` is linked on a higher layer, concurrent
    /// inserters can descend through it and `connect` themselves to its still-empty lower lists;
    /// overwriting those links would orphan them, so they are merged with `chosen` and pruned.
    private func storeOwnLinks(_ id: UInt32, chosen: [Neighbor], query: UnsafeRawPointer, level: Int) {
        withNodeLock(id) {
            let list = links(id, level: level)
            let count = Int(quiver_load_u32_relaxed(list))
            if count == 0 {
                store(chosen, in: list)
            } else {
                storePruned(chosen, base: query, into: list, count: count, level: level)
            }
        }
    }

    /// Adds `newID` to `id`'s list on `level` unless it is there already, pruning with the
    /// heuristic when the list is full.
    func connect(_ id: UInt32, to newID: UInt32, distance: Float, level: Int) {
        withNodeLock(id) {
            let list = links(id, level: level)
            let count = Int(quiver_load_u32_relaxed(list))
            for j in 0..<count where quiver_load_u32_relaxed(list + 1 + j) == newID { return }
            if count < maxNeighbors(level: level) {
                quiver_store_u32_relaxed(list + 1 + count, newID)
                quiver_store_u32_release(list, UInt32(count + 1))
            } else {
                storePruned([Neighbor(distance: distance, id: newID)], base: vector(at: id), into: list, count: count, level: level)
            }
        }
    }

    /// Merges `candidates` with the `count` entries `list` holds (distances from `base`) and stores
    /// the heuristic's pick. The caller holds the list's node lock.
    private func storePruned(
        _ candidates: [Neighbor], base: UnsafeRawPointer, into list: UnsafeMutablePointer<UInt32>, count: Int, level: Int
    ) {
        var merged = candidates
        merged.reserveCapacity(candidates.count + count)
        for j in 0..<count {
            let other = quiver_load_u32_relaxed(list + 1 + j)
            guard !candidates.contains(where: { $0.id == other }) else { continue }
            merged.append(Neighbor(distance: space.distance(base, vector(at: other)), id: other))
        }
        merged.sort { $0.distance < $1.distance }
        store(selectNeighbors(merged, max: maxNeighbors(level: level)), in: list)
    }

    /// Stores `neighbors` as `list`'s entries, publishing the count last. The caller holds the lock.
    private func store(_ neighbors: [Neighbor], in list: UnsafeMutablePointer<UInt32>) {
        for (j, c) in neighbors.enumerated() { quiver_store_u32_relaxed(list + 1 + j, c.id) }
        quiver_store_u32_release(list, UInt32(neighbors.count))
    }

    /// The HNSW neighbour-selection heuristic (Malkov & Yashunin, algorithm 4): walking candidates
    /// nearest first, keep one only if it is closer to the base than to every neighbour kept so far,
    /// which spreads links across directions instead of clustering them.
    ///
    /// - Parameter candidates: sorted nearest first.
    func selectNeighbors(_ candidates: [Neighbor], max limit: Int) -> [Neighbor] {
        guard candidates.count > limit else { return candidates }
        var chosen: [Neighbor] = []
        chosen.reserveCapacity(limit)
        for c in candidates {
            let v = vector(at: c.id)
            var keep = true
            for kept in chosen where space.distance(v, vector(at: kept.id)) < c.distance {
                keep = false
                break
            }
            if keep {
                chosen.append(c)
                if chosen.count == limit { break }
            }
        }
        return chosen
    }
}
