/// Which segments of a collection a background compaction merges: size-tiered, as Cassandra's
/// and RocksDB's universal compaction choose.
///
/// Segments sorted by size fall into tiers: a segment joins the current tier while it is at most
/// twice the tier's smallest. The first tier (smallest first) holding `trigger` segments is
/// merged, so a flush's small segments merge with each other and a large segment is rewritten
/// only when `trigger` segments of its size exist: each row is rewritten O(log n) times instead of
/// at every compaction. When there are `4 × trigger` segments in all, the smallest `trigger` merge
/// whatever their sizes, which bounds the parts a search visits.
enum CompactionPlan {
    /// The numbers of the segments to merge, or `nil` when none should.
    static func tier(of segments: [(number: UInt64, bytes: Int)], trigger: Int) -> [UInt64]? {
        let trigger = max(2, trigger)
        guard segments.count >= trigger else { return nil }
        let sorted = segments.sorted { ($0.bytes, $0.number) < ($1.bytes, $1.number) }
        var start = 0
        while start < sorted.count {
            var end = start + 1
            while end < sorted.count, sorted[end].bytes <= max(sorted[start].bytes, 1) * 2 { end += 1 }
            if end - start >= trigger { return sorted[start..<end].map(\.number) }
            start = end
        }
        if sorted.count >= 4 * trigger { return sorted.prefix(trigger).map(\.number) }
        return nil
    }
}
