internal import Synchronization
internal import CQuiverSIMD

extension HNSWIndex {
    /// Checks the graph's structural invariants and throws on the first broken one.
    ///
    /// Entry point present whenever a vector is live and at the highest level; counts match
    /// states; every list within its degree bound, free of self-links and duplicates, and naming
    /// only allocated, unpurged nodes that reach that level. Call it while no insert or purge runs.
    /// Builds with `-D QUIVER_INTERNAL_CHECKS` run it after every purge.
    ///
    /// - Throws: `IndexError` with code `.invalidArgument` naming the node and level at fault.
    /// - Complexity: O(n × M).
    package func checkInvariants() throws(IndexError) {
        let limit = highWater.load(ordering: .acquiring)
        var live = 0
        var deleted = 0
        var topLevel = -1
        for i in 0..<limit {
            let id = UInt32(i)
            switch state(of: id) {
            case .free: continue
            case .deleted: deleted += 1
            case .live:
                live += 1
                topLevel = max(topLevel, storedLevel(of: id))
            }
            for l in 0...storedLevel(of: id) {
                let list = links(id, level: l)
                let count = Int(quiver_load_u32_acquire(list))
                guard count <= maxNeighbors(level: l) else { throw broken("node \(id) level \(l) has \(count) links") }
                var seen = Set<UInt32>()
                for j in 0..<count {
                    let other = quiver_load_u32_relaxed(list + 1 + j)
                    guard other != id else { throw broken("node \(id) level \(l) links to itself") }
                    guard Int(other) < limit, state(of: other) != .free else {
                        throw broken("node \(id) level \(l) links to unallocated or purged node \(other)")
                    }
                    guard storedLevel(of: other) >= l else { throw broken("node \(id) level \(l) links to \(other) below it") }
                    guard seen.insert(other).inserted else { throw broken("node \(id) level \(l) links twice to \(other)") }
                }
            }
        }
        guard live == count, deleted == deletedPendingPurge else {
            throw broken("counts say \(count) live / \(deletedPendingPurge) deleted, states \(live) / \(deleted)")
        }
        let packed = entry.load(ordering: .acquiring)
        if live > 0 {
            guard packed != Self.emptyEntry else { throw broken("no entry point with \(live) live nodes") }
            let entryID = UInt32(truncatingIfNeeded: packed)
            guard state(of: entryID) != .free, Int(packed >> 32) == storedLevel(of: entryID), storedLevel(of: entryID) >= topLevel else {
                throw broken("entry point \(entryID) is purged or below the top level \(topLevel)")
            }
        }
    }

    private func broken(_ what: String) -> IndexError { IndexError(.invalidArgument, "HNSW invariant broken: \(what)") }
}
