internal import CQuiverSIMD
internal import Synchronization

extension HNSWIndex {
    // MARK: Graph introspection

    /// The top layer of the vector with `id` (0 when it is only on the bottom layer).
    ///
    /// Safe during inserts, deletes and purges, like a search.
    ///
    /// - Returns: the level, or `nil` when `id` names no live vector (a free or deleted slot, or an
    ///   id never handed out).
    public func level(of id: UInt32) -> Int? {
        let e = epoch.enter()
        defer { epoch.exit(e) }
        guard Int(id) < highWater.load(ordering: .acquiring), state(of: id) == .live else { return nil }
        return storedLevel(of: id)
    }

    /// The live neighbours of the vector with `id` on every layer it is on, its top layer first and
    /// layer 0 last, each list in stored order.
    ///
    /// Deleted neighbours still linked until the next purge are left out. Safe during inserts,
    /// deletes and purges: each list is read as a search reads it, so a list being rewritten by a
    /// concurrent insert reads as it was before or after, or (rarely) as a mix of the two.
    ///
    /// - Returns: `level(of: id)! + 1` lists, or no list when `id` names no live vector.
    /// - Complexity: O(M × level).
    public func neighbors(of id: UInt32) -> [[UInt32]] {
        let e = epoch.enter()
        defer { epoch.exit(e) }
        guard Int(id) < highWater.load(ordering: .acquiring), state(of: id) == .live else { return [] }
        return stride(from: storedLevel(of: id), through: 0, by: -1).map { level in
            let list = links(id, level: level)
            // Clamped: a damaged image's count must not walk past the list.
            let count = min(Int(quiver_load_u32_acquire(list)), maxNeighbors(level: level))
            // Loaded after the count: an id published before the list named it is below this.
            let limit = highWater.load(ordering: .acquiring)
            var live: [UInt32] = []
            live.reserveCapacity(count)
            for j in 0..<count {
                let other = quiver_load_u32_relaxed(list + 1 + j)
                if Int(other) < limit, state(of: other) == .live { live.append(other) }
            }
            return live
        }
    }

    /// The level of the entry point: the graph's top layer, or `nil` when no vector is linked (an
    /// empty index, or every vector deleted and purged).
    ///
    /// The entry point may be a deleted vector that still guides searches until the next purge.
    /// One atomic load, consistent with ``entryPoint`` except while an insert raises the top layer.
    public var maxLevel: Int? {
        let packed = entry.load(ordering: .acquiring)
        return packed == Self.emptyEntry ? nil : Int(packed >> 32)
    }

    /// The id every search starts from (a vector on the top layer), or `nil` when no vector is
    /// linked.
    ///
    /// It may name a deleted vector that still guides searches until the next purge. One atomic
    /// load, consistent with ``maxLevel`` except while an insert raises the top layer.
    public var entryPoint: UInt32? {
        let packed = entry.load(ordering: .acquiring)
        return packed == Self.emptyEntry ? nil : UInt32(truncatingIfNeeded: packed)
    }
}
