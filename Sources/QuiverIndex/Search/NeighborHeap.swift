/// A candidate during search: a distance and an internal id, packed in 8 bytes.
struct Neighbor {
    var distance: Float
    var id: UInt32
}

/// The order of a ``NeighborHeap``, fixed at compile time so comparisons carry no flag test.
protocol NeighborOrder {
    /// Whether `a` belongs nearer the root than `b`.
    static func before(_ a: Neighbor, _ b: Neighbor) -> Bool
    /// Whether the root is the farthest neighbour.
    static var isMax: Bool { get }
}

/// Root = nearest neighbour: the candidates still to expand.
enum NearestFirst: NeighborOrder {
    @inline(__always) static func before(_ a: Neighbor, _ b: Neighbor) -> Bool { a.distance < b.distance }
    static var isMax: Bool { false }
}

/// Root = farthest neighbour: the best results so far, evicting the worst.
enum FarthestFirst: NeighborOrder {
    @inline(__always) static func before(_ a: Neighbor, _ b: Neighbor) -> Bool { a.distance > b.distance }
    static var isMax: Bool { true }
}

/// A binary heap of neighbours in a growable unsafe buffer, ordered by `Order`.
///
/// Owned by one search at a time and reused across searches, so pushes do not allocate once the
/// buffer has grown to the search's working size.
struct NeighborHeap<Order: NeighborOrder> {
    private(set) var storage: UnsafeMutablePointer<Neighbor>
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 256) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    func deallocate() { storage.deallocate() }

    var isEmpty: Bool { count == 0 }

    /// The root: the nearest neighbour for `NearestFirst`, the farthest for `FarthestFirst`.
    @inline(__always)
    var top: Neighbor { storage[0] }

    mutating func removeAll() { count = 0 }

    @inline(__always)
    private func before(_ a: Neighbor, _ b: Neighbor) -> Bool { Order.before(a, b) }

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
    ///
    /// - Complexity: O(n log n) by sorting the storage in place, cheaper than n pops.
    mutating func drainAscending() -> [Neighbor] {
        var elements = UnsafeMutableBufferPointer(start: storage, count: count)
        elements.sort { $0.distance < $1.distance }
        count = 0
        return Array(elements)
    }
}
