internal import CQuiverSIMD
internal import Synchronization

extension HNSWIndex {
    /// Deletes the vector with `id`: it leaves search results at once, and is unlinked, its
    /// neighbours repaired and its slot reused at the next purge.
    ///
    /// A purge runs automatically once deleted vectors reach
    /// ``HNSWConfiguration/purgeRatio`` of the index.
    ///
    /// - Throws: `IndexError.notFound` when `id` is not live.
    public func remove(_ id: UInt32) throws(IndexError) {
        guard !isReadOnly else { throw .invalidArgument("the index is read-only (opened from an image)") }
        try structureLock.withReadLock { () throws(IndexError) in
            guard Int(id) < highWater.load(ordering: .acquiring) else { throw .notFound("no live vector with id \(id)") }
            let removed: Bool = withNodeLock(id) {
                guard state(of: id) == .live else { return false }
                setState(.deleted, of: id)
                return true
            }
            guard removed else { throw .notFound("no live vector with id \(id)") }
            liveCount.wrappingSubtract(1, ordering: .relaxed)
            deletedCount.wrappingAdd(1, ordering: .relaxed)
        }
        let deleted = deletedCount.load(ordering: .relaxed)
        if automaticPurge, Double(deleted) >= configuration.purgeRatio * Double(deleted + count) {
            purgeDeleted()
        }
    }

    /// Replaces the vector with `id` by `vector` (a delete plus an insert); returns the new id.
    ///
    /// - Throws: `IndexError.notFound` when `id` is not live; `IndexError.invalidArgument` for a
    ///   bad vector, in which case nothing changes.
    public func update(_ id: UInt32, to vector: UnsafeBufferPointer<Float>) throws(IndexError) -> UInt32 {
        try validate(vector, dimension: dimension)
        guard contains(id) else { throw .notFound("no live vector with id \(id)") }
        try remove(id)
        return try add(vector)
    }

    /// Number of deleted vectors still linked into the graph, waiting for a purge.
    public var deletedPendingPurge: Int { deletedCount.load(ordering: .relaxed) }

    /// Unlinks every deleted vector, repairs the lists that pointed at them, and makes their
    /// slots reusable.
    ///
    /// Each list that named a deleted node is repaired from the deleted nodes' own neighbours,
    /// keeping its degree (see `repair`); lists that lost most entries are rebuilt with a graph
    /// search from the node. Searches keep running meanwhile; inserts and deletes wait.
    ///
    /// - Parameter threads: repair threads; default 1.
    /// - Complexity: O(n × M) plus O(affected × M²) distance computations.
    public func purgeDeleted(threads: Int = 1) {
        guard !isReadOnly else { return }
        structureLock.withWriteLock {
            let limit = highWater.load(ordering: .acquiring)
            var deleted: [UInt32] = []
            for i in 0..<limit where state(of: UInt32(i)) == .deleted { deleted.append(UInt32(i)) }
            guard !deleted.isEmpty else { return }

            let e = epoch.enter()
            let next = Atomic<Int>(0)
            runConcurrently(threads: max(1, min(threads, limit))) { _ in
                contexts.withContext(nodeCount: limit) { context in
                    while true {
                        let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard i < limit else { break }
                        let id = UInt32(i)
                        guard state(of: id) == .live else { continue }
                        for l in 0...storedLevel(of: id) { repair(id, level: l, context: context) }
                    }
                }
            }
            moveEntryOffDeleted(limit: limit)
            epoch.exit(e)

            for id in deleted {
                for l in 0...storedLevel(of: id) { quiver_store_u32_release(links(id, level: l), 0) }
            }
            relinkUnreachable(limit: limit)
            // Searches that started before the lists were repaired may still hold deleted ids.
            epoch.waitForReaders()
            allocation.withLock { state in
                for id in deleted {
                    setState(.free, of: id)
                    // Upper-layer blocks return to the pool, so any reused id can take them.
                    let record = node(id)
                    let capacity = Int(record.load(fromByteOffset: 3, as: UInt8.self))
                    if capacity > 0 {
                        state.freeBlocks[capacity, default: []].append(Int(record.load(fromByteOffset: 4, as: UInt32.self)))
                        record.storeBytes(of: 0, toByteOffset: 3, as: UInt8.self)
                    }
                }
                state.free.append(contentsOf: deleted.reversed())
            }
            deletedCount.wrappingSubtract(deleted.count, ordering: .relaxed)
            #if QUIVER_INTERNAL_CHECKS
            do { try checkInvariants() } catch { preconditionFailure("\(error)") }
            #endif
        }
    }

    /// Rebuilds `id`'s list on `level` if it names deleted nodes, keeping its degree.
    ///
    /// A list that lost at most half its entries keeps the survivors in place and fills the vacated
    /// slots with the nearest live neighbours of the deleted entries. A list that lost more (the
    /// border of a deleted cluster) is rebuilt: candidates from both sources plus a graph search
    /// from the node, pruned with the insertion heuristic, topped up to the old degree with the
    /// nearest remaining candidates, and new neighbours link back.
    private func repair(_ id: UInt32, level: Int, context: SearchContext) {
        let list = links(id, level: level)
        let count = Int(quiver_load_u32_acquire(list))
        var survivors: [UInt32] = []
        var deleted: [UInt32] = []
        for j in 0..<count {
            let other = quiver_load_u32_relaxed(list + 1 + j)
            if state(of: other) == .live { survivors.append(other) } else { deleted.append(other) }
        }
        guard !deleted.isEmpty else { return }

        let base = vector(at: id)
        context.visited.reset(count: highWater.load(ordering: .acquiring))
        _ = context.visited.insert(id)
        for other in survivors { _ = context.visited.insert(other) }
        var pool: [Neighbor] = []
        for gone in deleted where level <= self.storedLevel(of: gone) {
            let second = links(gone, level: level)
            for k in 0..<Int(quiver_load_u32_acquire(second)) {
                let other = quiver_load_u32_relaxed(second + 1 + k)
                guard context.visited.insert(other), state(of: other) == .live else { continue }
                pool.append(Neighbor(distance: space.distance(base, vector(at: other)), id: other))
            }
        }
        pool.sort { $0.distance < $1.distance }

        if 2 * deleted.count <= count && pool.count >= deleted.count {
            let refill = survivors + pool.prefix(deleted.count).map(\.id)
            withNodeLock(id) { write(refill, to: list) }
            return
        }

        var candidates = survivors.map { Neighbor(distance: space.distance(base, vector(at: $0)), id: $0) } + pool
        if let start = candidates.min(by: { $0.distance < $1.distance }) ?? liveEntry(from: base) {
            searchLayer(base, from: start, ef: configuration.efConstruction, level: level, context: context, filter: LiveFilter(index: self))
            var seen = Set(candidates.map(\.id))
            for found in context.results.drainAscending() where found.id != id && seen.insert(found.id).inserted {
                candidates.append(found)
            }
        }
        candidates.sort { $0.distance < $1.distance }
        var chosen = selectNeighbors(candidates, max: maxNeighbors(level: level))
        if chosen.count < count {
            let taken = Set(chosen.map(\.id))
            chosen += candidates.lazy.filter { !taken.contains($0.id) }.prefix(count - chosen.count)
        }
        let previous = Set(survivors)
        withNodeLock(id) { write(chosen.map(\.id), to: list) }
        // New neighbours link back, as on insert: nodes that only deleted nodes pointed at would
        // otherwise be left unreachable.
        for c in chosen where !previous.contains(c.id) {
            connectDroppingDeleted(c.id, to: id, distance: c.distance, level: level)
        }
    }

    /// Stores `ids` as a neighbour list: entries first, then the count with release order.
    private func write(_ ids: [UInt32], to list: UnsafeMutablePointer<UInt32>) {
        for (j, other) in ids.enumerated() { quiver_store_u32_relaxed(list + 1 + j, other) }
        quiver_store_u32_release(list, UInt32(ids.count))
    }

    /// Adds `newID` to `id`'s list on `level`, dropping deleted entries and pruning with the
    /// heuristic when over the bound. Used during purges, so no list ends up naming a deleted node
    /// whichever repair writes it last.
    private func connectDroppingDeleted(_ id: UInt32, to newID: UInt32, distance: Float, level: Int) {
        withNodeLock(id) {
            let list = links(id, level: level)
            let count = Int(quiver_load_u32_relaxed(list))
            let base = vector(at: id)
            var candidates = [Neighbor(distance: distance, id: newID)]
            for j in 0..<count {
                let other = quiver_load_u32_relaxed(list + 1 + j)
                guard other != newID else { return }
                guard state(of: other) == .live else { continue }
                candidates.append(Neighbor(distance: space.distance(base, vector(at: other)), id: other))
            }
            candidates.sort { $0.distance < $1.distance }
            write(selectNeighbors(candidates, max: maxNeighbors(level: level)).map(\.id), to: list)
        }
    }

    /// The entry point as a search start from `base` when it is live.
    private func liveEntry(from base: UnsafeRawPointer) -> Neighbor? {
        let packed = entry.load(ordering: .acquiring)
        guard packed != Self.emptyEntry else { return nil }
        let id = UInt32(truncatingIfNeeded: packed)
        return state(of: id) == .live ? Neighbor(distance: space.distance(base, vector(at: id)), id: id) : nil
    }

    /// Points the entry at the live node with the highest level when the entry was deleted.
    /// Gives every live node that no live node links to on layer 0 (its only in-links came from
    /// deleted nodes) links from its nearest neighbours again, so repeated delete-and-insert
    /// cycles cannot strand nodes that no search reaches.
    ///
    /// - Complexity: O(n × M) to count in-links, plus one construction-time search per stranded node.
    private func relinkUnreachable(limit: Int) {
        let packed = entry.load(ordering: .acquiring)
        guard packed != Self.emptyEntry else { return }
        let entryID = UInt32(truncatingIfNeeded: packed)
        var linked = [Bool](repeating: false, count: limit)
        for i in 0..<limit where state(of: UInt32(i)) == .live {
            let list = links(UInt32(i), level: 0)
            let count = min(Int(quiver_load_u32_acquire(list)), maxNeighbors0)
            for j in 0..<count {
                let n = Int(list[1 + j])
                if n < limit { linked[n] = true }
            }
        }
        contexts.withContext(nodeCount: limit) { context in
            for i in 0..<limit where !linked[i] {
                let id = UInt32(i)
                guard id != entryID, state(of: id) == .live else { continue }
                let query = vector(at: id)
                var current = Neighbor(distance: space.distance(query, vector(at: entryID)), id: entryID)
                for l in stride(from: Int(packed >> 32), to: 0, by: -1) { current = greedyClosest(query, from: current, level: l) }
                searchLayerSkippingDeleted(query, from: current, ef: configuration.efConstruction, level: 0, context: context)
                let candidates = context.results.drainAscending().filter { $0.id != id }
                for c in candidates.prefix(maxNeighbors) { connect(c.id, to: id, distance: c.distance, level: 0) }
                // The pruning heuristic may have declined it everywhere: then the nearest node
                // links to it in place of its last (farthest kept) neighbour.
                guard let nearest = candidates.first else { continue }
                withNodeLock(nearest.id) {
                    let list = links(nearest.id, level: 0)
                    let count = Int(quiver_load_u32_relaxed(list))
                    guard !(0..<count).contains(where: { list[1 + $0] == id }) else { return }
                    if count < maxNeighbors0 {
                        quiver_store_u32_relaxed(list + 1 + count, id)
                        quiver_store_u32_release(list, UInt32(count + 1))
                    } else {
                        quiver_store_u32_release(list + count, id)
                    }
                }
            }
        }
    }

    private func moveEntryOffDeleted(limit: Int) {
        let packed = entry.load(ordering: .acquiring)
        guard packed != Self.emptyEntry, state(of: UInt32(truncatingIfNeeded: packed)) != .live else { return }
        var best: (id: UInt32, level: Int)?
        for i in 0..<limit {
            let id = UInt32(i)
            guard state(of: id) == .live else { continue }
            let l = storedLevel(of: id)
            if best == nil || l > best!.level { best = (id, l) }
        }
        entry.store(best.map { Self.packEntry($0.id, level: $0.level) } ?? Self.emptyEntry, ordering: .releasing)
    }
}
