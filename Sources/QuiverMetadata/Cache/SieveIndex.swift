/// The eviction order of a cache: SIEVE (Zhang et al., NSDI 2024).
///
/// Entries sit in a queue, newest at the head. A hit only sets the entry's `visited` bit (no list
/// moves, unlike LRU). To evict, a hand walks from the tail towards the head: a visited entry
/// keeps its place and loses the bit; the first unvisited one is evicted, and the hand stays
/// there for the next eviction. On skewed workloads it keeps hot entries better than LRU at the
/// same size, and a hit costs one store.
///
/// Slots are indices into flat arrays (no node objects); freed slots are reused.
struct SieveIndex {
    private var next: [Int32] = []  // towards the tail (older)
    private var previous: [Int32] = []  // towards the head (newer)
    private var visited: [Bool] = []
    private var head: Int32 = -1
    private var tail: Int32 = -1
    private var hand: Int32 = -1
    private var free: [Int32] = []
    private(set) var count = 0

    /// Adds a new entry at the head and returns its slot.
    mutating func insert() -> Int32 {
        let slot: Int32
        if let reused = free.popLast() {
            slot = reused
        } else {
            slot = Int32(next.count)
            next.append(-1)
            previous.append(-1)
            visited.append(false)
        }
        next[Int(slot)] = head
        previous[Int(slot)] = -1
        visited[Int(slot)] = false
        if head >= 0 { previous[Int(head)] = slot }
        head = slot
        if tail < 0 { tail = slot }
        count += 1
        return slot
    }

    /// Records a hit.
    @inline(__always)
    mutating func touch(_ slot: Int32) { visited[Int(slot)] = true }

    /// Removes `slot` (an explicit delete or an expiry).
    mutating func remove(_ slot: Int32) {
        let s = Int(slot)
        if hand == slot { hand = previous[s] }
        let older = next[s]
        let newer = previous[s]
        if newer >= 0 { next[Int(newer)] = older } else { head = older }
        if older >= 0 { previous[Int(older)] = newer } else { tail = newer }
        free.append(slot)
        count -= 1
    }

    /// Chooses the entry to evict (and removes it from the order), or `nil` when empty.
    mutating func evict() -> Int32? {
        guard count > 0 else { return nil }
        var cursor = hand >= 0 ? hand : tail
        while visited[Int(cursor)] {
            visited[Int(cursor)] = false
            cursor = previous[Int(cursor)] >= 0 ? previous[Int(cursor)] : tail
        }
        hand = previous[Int(cursor)]
        remove(cursor)
        return cursor
    }
}
