internal import CQuiverSIMD
internal import Synchronization
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Ids deleted from an immutable part (a frozen memtable or a segment) after it was written: a
/// bitset that searches read without locks while writers add to it.
final class DeletionOverlay: @unchecked Sendable {  // words are read and set with atomic C helpers
    /// Ids below this can be marked.
    let capacity: Int
    private let words: UnsafeMutablePointer<UInt64>
    private let marked = Atomic<Int>(0)

    init(capacity: Int) {
        self.capacity = capacity
        let count = max(1, (capacity + 63) / 64)
        words = .allocate(capacity: count)
        words.initialize(repeating: 0, count: count)
    }

    deinit { words.deallocate() }

    /// Number of ids marked.
    var count: Int { marked.load(ordering: .relaxed) }

    /// Whether `id` is marked deleted.
    @inline(__always)
    func contains(_ id: UInt32) -> Bool {
        let i = Int(id)
        guard i < capacity else { return false }
        return quiver_load_u64_acquire(words + i >> 6) & (1 << UInt64(i & 63)) != 0
    }

    /// Marks `id` deleted; returns whether it was not marked before.
    @discardableResult
    func insert(_ id: UInt32) -> Bool {
        let i = Int(id)
        guard i < capacity else { return false }
        let bit: UInt64 = 1 << UInt64(i & 63)
        let old = quiver_fetch_or_u64(words + i >> 6, bit)
        guard old & bit == 0 else { return false }
        marked.wrappingAdd(1, ordering: .relaxed)
        return true
    }
}
