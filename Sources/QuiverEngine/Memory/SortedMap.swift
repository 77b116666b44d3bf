/// A persistent map from byte-string keys to values, ordered by the keys' bytes (memcmp order).
///
/// "Persistent" in the functional sense: a map is a value; `inserting` and `removing` return a
/// new map that shares every untouched node with the old one. Copying a map is O(1), so a
/// database snapshot holds its memtables' maps while writers go on producing new ones, and
/// neither waits for the other.
///
/// ``insert(_:forKey:)`` is copy-on-write per node: it changes in place the nodes on its path
/// that only this map references and copies those another map (a snapshot) shares, so a writer
/// that holds the only copy inserts with one new node and no garbage, and one that shares the
/// map copies each shared node once.
///
/// The tree is a treap whose priorities are a hash of the key: its shape depends only on the set
/// of keys, never on the order of insertion, and its expected depth is O(log n). Every node knows
/// the size of its subtree, so ranks (`element(at:)`) cost O(log n) too.
struct SortedMap<Value: Sendable>: Sendable {
    /// A tree node. Its fields change only while one map references it alone (an insert holds
    /// that map exclusively), so no other thread can reach a node being changed.
    final class Node: @unchecked Sendable {
        let key: [UInt8]
        /// The key's first 16 bytes (zero-padded), in the node itself: most comparisons on an
        /// insert's path end here, without a visit to the key's bytes (``KeyPrefix``).
        let prefix: KeyPrefix
        @exclusivity(unchecked) fileprivate(set) var value: Value
        let priority: UInt64
        @exclusivity(unchecked) fileprivate(set) var left: Node?
        @exclusivity(unchecked) fileprivate(set) var right: Node?
        /// Nodes in this subtree, this one included.
        @exclusivity(unchecked) fileprivate(set) var count: Int

        convenience init(key: [UInt8], value: Value, priority: UInt64, left: Node?, right: Node?) {
            self.init(key: key, prefix: KeyPrefix(key), value: value, priority: priority, left: left, right: right)
        }

        init(key: [UInt8], prefix: KeyPrefix, value: Value, priority: UInt64, left: Node?, right: Node?) {
            self.key = key
            self.prefix = prefix
            self.value = value
            self.priority = priority
            self.left = left
            self.right = right
            count = 1 + (left?.count ?? 0) + (right?.count ?? 0)
        }

        func with(left: Node?, right: Node?) -> Node {
            Node(key: key, prefix: prefix, value: value, priority: priority, left: left, right: right)
        }

        /// Recomputes ``count`` from the children.
        fileprivate func recount() { count = 1 + (left?.count ?? 0) + (right?.count ?? 0) }

        /// Where an in-place walk goes from a node.
        fileprivate enum Step {
            case found
            /// The child is absent or shared with another map.
            case shared
            case down(Unmanaged<Node>)
        }

        /// The child in `slot` (this node's `left` or `right`) when this map holds it alone.
        @inline(__always)
        fileprivate func uniqueChild(_ slot: inout Node?) -> Step {
            isKnownUniquelyReferenced(&slot) ? .down(Node.unretained(&slot)) : .shared
        }

        /// The node `slot` references (which must not be `nil`), without a retain: a
        /// `Node?` is one pointer, as an `Unmanaged<Node>` is.
        @inline(__always)
        fileprivate static func unretained(_ slot: inout Node?) -> Unmanaged<Node> {
            withUnsafeMutablePointer(to: &slot) { UnsafeMutableRawPointer($0).load(as: Unmanaged<Node>.self) }
        }
    }

    private(set) var root: Node?

    /// An empty map.
    init() {}

    private init(root: Node?) { self.root = root }

    /// Number of keys.
    var count: Int { root?.count ?? 0 }

    var isEmpty: Bool { root == nil }

    /// The value stored under `key`.
    ///
    /// - Complexity: O(log n) comparisons.
    subscript(key: [UInt8]) -> Value? {
        var node = root
        while let current = node {
            let c = compareKeys(key, current.key)
            if c == 0 { return current.value }
            node = c < 0 ? current.left : current.right
        }
        return nil
    }

    /// The map with `value` stored under `key` (replacing any earlier value).
    ///
    /// - Complexity: O(log n) comparisons and new nodes.
    func inserting(_ value: Value, forKey key: [UInt8]) -> SortedMap {
        SortedMap(root: Self.insert(key, value, priority: keyPriority(key), into: root))
    }

    /// The map without `key` (the same map when it has no such key).
    ///
    /// - Complexity: O(log n).
    func removing(_ key: [UInt8]) -> SortedMap {
        guard let root = Self.remove(key, from: root) else { return self }
        return SortedMap(root: root.node)
    }

    /// Stores `value` under `key` (replacing any earlier value), in place where the nodes on the
    /// path are this map's alone.
    ///
    /// - Complexity: O(log n) comparisons; a new node for a new key, plus a copy of each node on
    ///   the path that another map shares.
    mutating func insert(_ value: Value, forKey key: [UInt8]) {
        let prefix = KeyPrefix(key)
        if replaceInPlace(key, prefix, value) { return }
        Self.insert(key, prefix, value, priority: keyPriority(key), into: &root)
    }

    mutating func remove(_ key: [UInt8]) { self = removing(key) }

    // MARK: Order

    /// The entry of rank `rank` (0 is the smallest key).
    ///
    /// - Precondition: `0 <= rank < count`.
    func element(at rank: Int) -> (key: [UInt8], value: Value) {
        precondition(rank >= 0 && rank < count, "rank \(rank) out of 0..<\(count)")
        var node = root!
        var rank = rank
        while true {
            let leftCount = node.left?.count ?? 0
            if rank < leftCount {
                node = node.left!
            } else if rank == leftCount {
                return (node.key, node.value)
            } else {
                rank -= leftCount + 1
                node = node.right!
            }
        }
    }

    /// Number of keys smaller than `key`.
    func rank(of key: [UInt8]) -> Int {
        var node = root
        var rank = 0
        while let current = node {
            if compareKeys(key, current.key) <= 0 {
                node = current.left
            } else {
                rank += (current.left?.count ?? 0) + 1
                node = current.right
            }
        }
        return rank
    }

    /// Calls `body` with each entry whose key is at least `lowerBound` (every entry when `nil`), in
    /// ascending key order, until `body` returns `false`.
    ///
    /// - Complexity: O(log n + entries visited).
    func forEach(from lowerBound: [UInt8]? = nil, _ body: ([UInt8], Value) throws -> Bool) rethrows {
        var cursor = Cursor(self, from: lowerBound)
        while let (key, value) = cursor.next() {
            guard try body(key, value) else { return }
        }
    }

    /// An ascending iterator from a lower bound: the stack of nodes whose left part is done.
    struct Cursor {
        private var stack: [Node] = []

        init(_ map: SortedMap, from lowerBound: [UInt8]?) {
            var node = map.root
            while let current = node {
                if let lowerBound, compareKeys(current.key, lowerBound) < 0 {
                    node = current.right
                } else {
                    stack.append(current)
                    node = current.left
                }
            }
        }

        /// The next entry, or `nil` at the end.
        mutating func next() -> (key: [UInt8], value: Value)? {
            guard let node = stack.popLast() else { return nil }
            var child = node.right
            while let current = child {
                stack.append(current)
                child = current.left
            }
            return (node.key, node.value)
        }
    }

    // MARK: Tree surgery (path copying)

    private static func insert(_ key: [UInt8], _ value: Value, priority: UInt64, into node: Node?) -> Node {
        guard let node else { return Node(key: key, value: value, priority: priority, left: nil, right: nil) }
        let c = compareKeys(key, node.key)
        if c == 0 {
            return Node(key: node.key, value: value, priority: node.priority, left: node.left, right: node.right)
        }
        if c < 0 {
            let left = insert(key, value, priority: priority, into: node.left)
            if left.priority > node.priority {
                // Rotate right: the new child rises above `node`.
                return left.with(left: left.left, right: node.with(left: left.right, right: node.right))
            }
            return node.with(left: left, right: node.right)
        }
        let right = insert(key, value, priority: priority, into: node.right)
        if right.priority > node.priority {
            return right.with(left: node.with(left: node.left, right: right.left), right: right.right)
        }
        return node.with(left: node.left, right: right)
    }

    /// Replaces the value of `key` in place when the key is present and every node on its path is
    /// this map's alone (the common case of a writer that owns its memtable); returns whether it did.
    /// Walks without reference counting (each node is held by its parent all along): on a large
    /// map every level is a cache miss, and a retain would also dirty the node's line.
    private mutating func replaceInPlace(_ key: [UInt8], _ prefix: KeyPrefix, _ value: Value) -> Bool {
        guard isKnownUniquelyReferenced(&root) else { return false }
        var node = Node.unretained(&root)
        while true {
            let step = node._withUnsafeGuaranteedRef { node -> Node.Step in
                let c = prefix.compare(to: node.prefix) ?? compareKeys(key, node.key)
                if c == 0 {
                    node.value = value
                    return .found
                }
                return c < 0 ? node.uniqueChild(&node.left) : node.uniqueChild(&node.right)
            }
            switch step {
            case .found: return true
            case .shared: return false
            case .down(let child): node = child
            }
        }
    }

    /// Inserts into the subtree in `slot`; afterwards `slot` references its (new) root alone.
    /// Returns whether the key is new (the subtree grew by one).
    @discardableResult
    private static func insert(_ key: [UInt8], _ prefix: KeyPrefix, _ value: Value, priority: UInt64, into slot: inout Node?) -> Bool {
        guard slot != nil else {
            slot = Node(key: key, prefix: prefix, value: value, priority: priority, left: nil, right: nil)
            return true
        }
        if !isKnownUniquelyReferenced(&slot) { slot = slot!.with(left: slot!.left, right: slot!.right) }
        // `slot` keeps the node alive until it is linked elsewhere: no reference count traffic.
        unowned(unsafe) let node = slot!
        let c = prefix.compare(to: node.prefix) ?? compareKeys(key, node.key)
        if c == 0 {
            node.value = value
            return false
        }
        let added: Bool
        if c < 0 {
            added = insert(key, prefix, value, priority: priority, into: &node.left)
            if node.left!.priority > node.priority {
                // Rotate right: the new child rises above `node` (both are this map's alone);
                // `node` is linked under it before `slot` lets go of it.
                let pivot = node.left!
                node.left = pivot.right
                node.recount()
                pivot.right = slot
                pivot.recount()
                slot = pivot
                return added
            }
        } else {
            added = insert(key, prefix, value, priority: priority, into: &node.right)
            if node.right!.priority > node.priority {
                let pivot = node.right!
                node.right = pivot.left
                node.recount()
                pivot.left = slot
                pivot.recount()
                slot = pivot
                return added
            }
        }
        // Without a rotation below, only a new key changes the count (no sibling is read).
        if added { node.count += 1 }
        return added
    }

    /// The subtree without `key`, wrapped so that "not found" (`nil`) differs from an empty result.
    private struct Removal { let node: Node? }

    private static func remove(_ key: [UInt8], from node: Node?) -> Removal? {
        guard let node else { return nil }
        let c = compareKeys(key, node.key)
        if c == 0 { return Removal(node: merge(node.left, node.right)) }
        if c < 0 {
            guard let left = remove(key, from: node.left) else { return nil }
            return Removal(node: node.with(left: left.node, right: node.right))
        }
        guard let right = remove(key, from: node.right) else { return nil }
        return Removal(node: node.with(left: node.left, right: right.node))
    }

    /// Joins two treaps whose keys are all ordered `a < b`.
    private static func merge(_ a: Node?, _ b: Node?) -> Node? {
        guard let a else { return b }
        guard let b else { return a }
        if a.priority > b.priority { return a.with(left: a.left, right: merge(a.right, b)) }
        return b.with(left: merge(a, b.left), right: b.right)
    }
}

extension SortedMap {
    /// Checks the tree's invariants (key order, heap order of priorities, subtree counts).
    func checkInvariants() -> Bool {
        func check(_ node: Node?, above: UInt64, low: [UInt8]?, high: [UInt8]?) -> Int? {
            guard let node else { return 0 }
            guard node.priority <= above else { return nil }
            if let low, compareKeys(low, node.key) >= 0 { return nil }
            if let high, compareKeys(node.key, high) >= 0 { return nil }
            guard let l = check(node.left, above: node.priority, low: low, high: node.key),
                let r = check(node.right, above: node.priority, low: node.key, high: high), l + r + 1 == node.count
            else { return nil }
            return node.count
        }
        return check(root, above: .max, low: nil, high: nil) != nil
    }
}

/// Bytewise comparison of two keys: negative, zero or positive (memcmp, then the shorter first).
@inline(__always)
func compareKeys(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in compareKeyBytes(pa, pb) } }
}

/// A key's first 16 bytes as two big-endian words, zero-padded: comparing two prefixes orders
/// their keys as `memcmp` does whenever the prefixes differ (a zero pad sorts like the end of a
/// shorter key); equal prefixes leave the order to the whole keys.
struct KeyPrefix: Sendable, Equatable {
    let high: UInt64
    let low: UInt64

    init(_ key: [UInt8]) {
        var words: (UInt64, UInt64) = (0, 0)
        key.withUnsafeBytes { bytes in
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(16))) }
        }
        high = UInt64(bigEndian: words.0)
        low = UInt64(bigEndian: words.1)
    }

    /// -1 or 1 when the prefixes order their keys, `nil` when they are equal.
    @inline(__always)
    func compare(to other: KeyPrefix) -> Int? {
        if high != other.high { return high < other.high ? -1 : 1 }
        if low != other.low { return low < other.low ? -1 : 1 }
        return nil
    }
}

/// Bytewise comparison of two byte ranges: negative, zero or positive.
@inline(__always)
func compareKeyBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let n = min(a.count, b.count)
    if n > 0 {
        let c = memcmp(a.baseAddress!, b.baseAddress!, n)
        if c != 0 { return Int(c) }
    }
    return a.count - b.count
}

/// The treap priority of `key`: a 64-bit FNV-1a hash, finalised with a murmur mix so that
/// similar keys spread.
@inline(__always)
func keyPriority(_ key: [UInt8]) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in key { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    h ^= h >> 33
    h = h &* 0xff51_afd7_ed55_8ccd
    h ^= h >> 33
    h = h &* 0xc4ce_b9fe_1a85_ec53
    h ^= h >> 33
    return h
}

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif
