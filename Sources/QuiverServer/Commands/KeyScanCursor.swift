internal import Quiver

/// The cursor of `SCAN`: a position in the order of the keys' 64-bit hashes.
///
/// Cursor `c` stands for "every key whose hash is at least `c`": a call returns the keys from
/// `c` on, in hash order, and the next cursor is one past the last hash it returned (every key
/// sharing that hash goes in the same reply), or 0 when none is left. The positions do not
/// depend on which keys exist, so a key present from the first call to the last is returned
/// once, whatever is written meanwhile (``KeyScanSnapshot`` explains why the calls may read a
/// sorted copy of the keys). The hash is fixed (FNV-1a then a 64-bit finaliser), so cursors keep
/// their meaning across restarts.
enum KeyScanCursor {
    /// The position of `key`.
    @inline(__always)
    static func hash(_ key: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        // MurmurHash3's fmix64: FNV-1a alone leaves keys that differ in their last byte close.
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    /// The cursor `bytes` spells, as Redis 7.0 reads it (`strtoul` in `parseScanCursorOrReply`):
    /// no leading blank, an optional sign (a `-` negates modulo 2^64, so `-1` is the last
    /// cursor), digits up to the end or a NUL byte, no overflow; the empty string is 0.
    static func parse(_ bytes: [UInt8]) -> UInt64? {
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        guard end > 0 else { return 0 }
        let first = bytes[0]
        guard first != 0x20, !(0x09...0x0D).contains(first) else { return nil }
        var index = 0
        var negative = false
        if first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            index = 1
        }
        guard index < end else { return nil }
        var value: UInt64 = 0
        while index < end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit <= 9 else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (plus, overflow2) = times.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = plus
            index += 1
        }
        return negative ? 0 &- value : value
    }
}

/// The keys of a logical database sorted by ``KeyScanCursor/hash(_:)``, taken by a `SCAN` that
/// starts (cursor 0) and read by the calls that continue any scan.
///
/// Why a copy read by later calls still returns every key present for a whole scan: the copy
/// in use is always the newest, taken by the latest scan to start, which is no earlier than the
/// start of any scan still running. A key present during all of a scan is therefore in the copy
/// every one of its calls reads, and the hash ranges of the calls join up from 0 to 2^64.
/// Keys written after the copy may be missed (Redis allows that); returned keys are checked
/// against the live keyspace, so a deleted or expired key is not returned.
final class KeyScanSnapshot: Sendable {
    /// Hashes, ascending.
    let hashes: [UInt64]
    /// The keys, in the order of ``hashes``.
    let keys: [Key]

    /// Sorts `keys` by hash.
    ///
    /// - Complexity: O(n log n).
    init(_ keys: [Key]) {
        var pairs = keys.map { (KeyScanCursor.hash($0.bytes), $0) }
        pairs.sort { $0.0 < $1.0 }
        hashes = pairs.map(\.0)
        self.keys = pairs.map(\.1)
    }

    /// The keys from `cursor` on: at least `count` of them unless fewer are left, and every key
    /// that shares the last one's hash; with the cursor that continues after them (0 at the end).
    ///
    /// - Complexity: O(log n + count).
    func page(from cursor: UInt64, count: Int) -> (keys: ArraySlice<Key>, next: UInt64) {
        var low = 0
        var high = hashes.count
        while low < high {
            let middle = (low + high) / 2
            if hashes[middle] < cursor { low = middle + 1 } else { high = middle }
        }
        var end = low + min(count, hashes.count - low)
        guard end > low else { return (keys[low..<low], 0) }
        let last = hashes[end - 1]
        while end < hashes.count && hashes[end] == last { end += 1 }
        let next = end == hashes.count ? 0 : last &+ 1
        return (keys[low..<end], next)
    }
}
