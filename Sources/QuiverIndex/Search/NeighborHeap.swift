/// A candidate during search: a distance and an internal id, packed in 8 bytes.
struct Neighbor {
    var distance: Float
    var id: UInt32
}

/// A binary heap of neighbours in a growable unsafe buffer; the root is the farthest (`isMax`) or
/// the nearest (`!isMax`) neighbour.
///
/// Owned by one search at a time and reused across searches, so pushes do not allocate once the
/// buffer has grown to the search's working size.
struct NeighborHeap {
    private(set) var storage: UnsafeMutablePointer<Neighbor>
    private(set) var capacity: Int
    private(set) var count = 0
    let isMax: Bool

    init(isMax: Bool, capacity: Int = 256) {
        self.isMax = isMax
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    func deallocate() { storage.deallocate() }

    var isEmpty: Bool { count == 0 }

    /// The root: the farthest neighbour of a max-heap, the nearest of a min-heap.
    @inline(__always)
    var top: Neighbor { storage[0] }

    mutating func removeAll() { count = 0 }

    @inline(__always)
    private func before(_ a: Neighbor, _ b: Neighbor) -> Bool {
        isMax ? a.distance > b.distance : a.distance < b.distance
    }

    @inline(__always)
    mutating func push(_ element: Neighbor) {
        if count == capacity { grow() }
        var i = count
        count += 1
        while i > 0 {
            let parent = (i - 1) >> 1
            guard before(element, storage[parent]) else { break }
            storage[i] = storage[parent]
            i = parent
        }
        storage[i] = element
    }

    @inline(__always)
    @discardableResult
    mutating func pop() -> Neighbor {
        let result = storage[0]
        count -= 1
        guard count > 0 else { return result }
        let last = storage[count]
        var i = 0
        while true {
            let left = 2 * i + 1
            guard left < count else { break }
            var child = left
            if left + 1 < count && before(storage[left + 1], storage[left]) { child = left + 1 }
            guard before(storage[child], last) else { break }
            storage[i] = storage[child]
            i = child
        }
        storage[i] = last
        return result
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Neighbor>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity *= 2
    }

    /// Removes every element and returns them nearest first.
    mutating func drainAscending() -> [Neighbor] {
        var out = [Neighbor](repeating: Neighbor(distance: 0, id: 0), count: count)
        if isMax {
            var i = count - 1
            while count > 0 { out[i] = pop(); i -= 1 }
        } else {
            var i = 0
            while count > 0 { out[i] = pop(); i += 1 }
        }
        return out
    }
}
