extension CollectionView {
    /// A place a live key may be picked from: a part's rows by rank.
    private enum SampleSpace {
        /// The memtable's key map (deletes included, rejected when drawn).
        case memtable(SortedMap<VectorEntry>)
        /// A frozen memtable's key map.
        case frozenMemory(FrozenPart, SortedMap<VectorEntry>)
        /// A segment's keyed rows (row `i` has key number `i`).
        case mapped(FrozenPart, SortedKeys)

        var size: Int {
            switch self {
            case .memtable(let entries), .frozenMemory(_, let entries): entries.count
            case .mapped(_, let keys): keys.count
            }
        }
    }

    private func sampleSpaces() -> [SampleSpace] {
        var spaces: [SampleSpace] = [.memtable(entries)]
        for part in frozen {
            switch part.rows {
            case .memory(let entries, _): spaces.append(.frozenMemory(part, entries))
            case .mapped(let mapped): spaces.append(.mapped(part, mapped.keys))
            }
        }
        return spaces
    }

    /// The key at `rank` of `space` when it is live in this view (older copies of a key are
    /// deleted in their part's overlay when a newer part holds it, so each live key has exactly
    /// one live row).
    private func liveKey(_ space: SampleSpace, at rank: Int, asOf sequence: UInt64) -> [UInt8]? {
        switch space {
        case .memtable(let entries):
            let (key, entry) = entries.element(at: rank)
            return entry.id == nil ? nil : key
        case .frozenMemory(let part, let entries):
            let (key, entry) = entries.element(at: rank)
            guard let id = entry.id, part.isLive(id, asOf: sequence) else { return nil }
            return key
        case .mapped(let part, let keys):
            guard part.isLive(UInt32(rank), asOf: sequence) else { return nil }
            return keys.key(at: rank)
        }
    }

    /// `count` keys drawn uniformly at random: distinct ones (at most every key, in random
    /// order) when `distinct`, else `count` independent draws that may repeat.
    ///
    /// Draws a rank over every part's rows and rejects dead ones, so a draw costs O(log n) while
    /// most rows are live; when dead rows outnumber live ones three to one, or a distinct
    /// sample wants more than a quarter of the keys, it lists the keys once and samples the list.
    func randomKeys(
        count: Int, distinct: Bool, asOf sequence: UInt64, using generator: inout some RandomNumberGenerator
    ) -> [[UInt8]] {
        let live = self.count(asOf: sequence)
        guard count > 0, live > 0 else { return [] }
        let spaces = sampleSpaces()
        let total = spaces.reduce(0) { $0 + $1.size }
        let wanted = distinct ? min(count, live) : count
        if total > 4 * live || (distinct && wanted > live / 4) {
            var keys: [[UInt8]] = []
            keys.reserveCapacity(live)
            forEachKey(from: nil, asOf: sequence) { key in
                keys.append(key)
                return true
            }
            guard !keys.isEmpty else { return [] }
            if distinct {
                let n = min(wanted, keys.count)
                for i in 0..<n { keys.swapAt(i, Int.random(in: i..<keys.count, using: &generator)) }
                return Array(keys.prefix(n))
            }
            return (0..<wanted).map { _ in keys[Int.random(in: 0..<keys.count, using: &generator)] }
        }
        var out: [[UInt8]] = []
        out.reserveCapacity(wanted)
        var seen = Set<[UInt8]>()
        // Bounded so that a view whose counts disagree with its rows cannot spin forever.
        var attempts = 0
        let maxAttempts = 64 * wanted + 1024
        while out.count < wanted, attempts < maxAttempts {
            attempts += 1
            var rank = Int.random(in: 0..<total, using: &generator)
            var chosen = spaces[0]
            for space in spaces {
                if rank < space.size {
                    chosen = space
                    break
                }
                rank -= space.size
            }
            guard let key = liveKey(chosen, at: rank, asOf: sequence) else { continue }
            if distinct {
                guard seen.insert(key).inserted else { continue }
            }
            out.append(key)
        }
        return out
    }
}
