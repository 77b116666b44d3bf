/// Marks nodes visited during one search, cleared in O(1) by bumping a generation tag.
///
/// Tags are 16-bit, so a full clear happens once every 65,535 searches.
struct VisitedSet {
    private var tags: UnsafeMutablePointer<UInt16>
    private(set) var capacity: Int
    private var generation: UInt16 = 1

    init(capacity: Int) {
        self.capacity = max(capacity, 1024)
        tags = .allocate(capacity: self.capacity)
        tags.initialize(repeating: 0, count: self.capacity)
    }

    func deallocate() { tags.deallocate() }

    /// Starts a new search over ids below `count`.
    mutating func reset(count: Int) {
        if count > capacity {
            tags.deallocate()
            capacity = max(count, capacity * 2)
            tags = .allocate(capacity: capacity)
            tags.initialize(repeating: 0, count: capacity)
            generation = 1
            return
        }
        generation &+= 1
        if generation == 0 {
            tags.update(repeating: 0, count: capacity)
            generation = 1
        }
    }

    /// Marks `id` and returns whether it was unmarked before.
    @inline(__always)
    mutating func insert(_ id: UInt32) -> Bool {
        let i = Int(id)
        guard tags[i] != generation else { return false }
        tags[i] = generation
        return true
    }

    @inline(__always)
    func contains(_ id: UInt32) -> Bool { tags[Int(id)] == generation }

    /// The address of `id`'s tag, for prefetching.
    @inline(__always)
    func address(of id: UInt32) -> UnsafeRawPointer { UnsafeRawPointer(tags + Int(id)) }
}
