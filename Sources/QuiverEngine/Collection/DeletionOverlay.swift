internal import CQuiverSIMD
internal import QuiverIndex
internal import Synchronization
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Ids deleted from an immutable part (a frozen memtable or a segment) after it was written: a
/// bitset that searches read without locks while writers add to it, plus the sequence number of
/// each delete made while the engine runs, so that a snapshot older than a delete still sees the
/// row (deletes re-applied from tombstones at open have sequence 0: older than every snapshot).
final class DeletionOverlay: @unchecked Sendable {  // words are read and set with atomic C helpers
    /// Ids below this can be marked.
    let capacity: Int
    private let words: UnsafeMutablePointer<UInt64>
    private let marked = Atomic<Int>(0)
    /// The sequence number of each delete marked with one.
    private let sequences = Locked<[UInt32: UInt64]>([:])

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

    /// Whether `id` was deleted as of the snapshot at `sequence`.
    func isDeleted(_ id: UInt32, asOf sequence: UInt64) -> Bool {
        guard contains(id) else { return false }
        return (sequences.withLock { $0[id] } ?? 0) <= sequence
    }

    /// Number of ids deleted as of the snapshot at `sequence`.
    func count(asOf sequence: UInt64) -> Int {
        count - sequences.withLock { $0.values.count { $0 > sequence } }
    }

    /// Marks `id` deleted by the write with sequence number `sequence` (0: a delete older than
    /// every snapshot); returns whether it was not marked before.
    @discardableResult
    func insert(_ id: UInt32, sequence: UInt64 = 0) -> Bool {
        let i = Int(id)
        guard i < capacity else { return false }
        let bit: UInt64 = 1 << UInt64(i & 63)
        // The sequence is recorded before the bit is set, so a reader that sees the bit finds it.
        let inserted = sequences.withLock { known -> Bool in
            guard quiver_load_u64_acquire(words + i >> 6) & bit == 0 else { return false }
            if sequence > 0 { known[id] = sequence }
            _ = quiver_fetch_or_u64(words + i >> 6, bit)
            return true
        }
        if inserted { marked.wrappingAdd(1, ordering: .relaxed) }
        return inserted
    }

    /// Every marked id with its delete's sequence number (0 for deletes from before the open).
    func forEachMarked(_ body: (UInt32, UInt64) -> Void) {
        let known = sequences.withLock { $0 }
        for word in 0..<max(1, (capacity + 63) / 64) {
            var bits = quiver_load_u64_acquire(words + word)
            while bits != 0 {
                let id = UInt32(word * 64 + bits.trailingZeroBitCount)
                bits &= bits - 1
                body(id, known[id] ?? 0)
            }
        }
    }
}
