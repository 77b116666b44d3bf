/// An object's members with what finds one by key quickly, shared by the copies of a keyed
/// decoding container (so copying one retains a single reference).
///
/// Keys match when their UTF-8 bytes are equal (as FILTER selectors match), and with duplicate
/// keys the first member wins. Objects of up to ``linearSearchLimit`` members are searched by
/// comparing ``JSONKeyFingerprint``s; larger ones through a hash table.
final class JSONMemberTable {
    let members: [JSONObject.Member]
    /// The fingerprint of each member's key (small objects).
    private let fingerprints: [JSONKeyFingerprint]
    /// Position of the first member with each key (large objects).
    private let positions: [String: Int]?

    /// Up to this many members, a scan of fingerprints beats hashing the key (measured on a
    /// 20-field struct: hashing was a third of the decoding time).
    static let linearSearchLimit = 64

    init(_ object: JSONObject) {
        members = object.members
        if members.count <= Self.linearSearchLimit {
            fingerprints = members.map { JSONKeyFingerprint($0.key) }
            positions = nil
        } else {
            fingerprints = []
            var positions: [String: Int] = [:]
            positions.reserveCapacity(members.count)
            for i in members.indices where positions[members[i].key] == nil { positions[members[i].key] = i }
            self.positions = positions
        }
    }

    /// The position of the first member whose key has `key`'s bytes, or `nil`.
    func position(of key: String) -> Int? {
        if let positions {
            // The hash table matches canonically equivalent strings; confirm the bytes, else scan.
            guard let i = positions[key] else { return nil }
            if JSONKeyBytes.equal(members[i].key, key) { return i }
            return members.indices.first { JSONKeyBytes.equal(members[$0].key, key) }
        }
        let fingerprint = JSONKeyFingerprint(key)
        var i = 0
        while i < fingerprints.count {
            if fingerprints[i] == fingerprint && (fingerprint.isComplete || members[i].key.utf8.elementsEqual(key.utf8))
            {
                return i
            }
            i += 1
        }
        return nil
    }

    /// The value of the first member whose key has `key`'s bytes, or `nil`.
    @inline(__always)
    func value(forKey key: String) -> JSONValue? {
        position(of: key).map { members[$0].value }
    }

    /// The keys, each once, in the order of their first appearance.
    var uniqueKeys: [String] {
        members.indices.compactMap { i in position(of: members[i].key) == i ? members[i].key : nil }
    }
}

/// A key's first sixteen UTF-8 bytes as two big-endian integers, zero-padded, and its length:
/// equal fingerprints of keys up to 16 bytes mean equal keys, and comparing fingerprints orders
/// keys by bytes, so most key comparisons are two integer comparisons instead of a walk over
/// `String.UTF8View` (which was a fifth of the decoding time as `elementsEqual`).
struct JSONKeyFingerprint: Equatable {
    var high: UInt64
    var low: UInt64
    var count: Int

    @inline(__always)
    init(_ key: String) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var n = 0
        for byte in key.utf8 {
            if n == 16 { break }
            if n < 8 { high |= UInt64(byte) << (56 - 8 * n) } else { low |= UInt64(byte) << (56 - 8 * (n - 8)) }
            n += 1
        }
        self.high = high
        self.low = low
        self.count = key.utf8.count
    }

    /// Whether the fingerprint alone decides equality with another key.
    @inline(__always)
    var isComplete: Bool { count <= 16 }

    enum Order { case less, equal, greater, undecided }

    /// How the keys of two fingerprints compare by bytes, or `undecided` when both keys are
    /// longer than 16 bytes and share their first sixteen.
    @inline(__always)
    static func compare(_ a: JSONKeyFingerprint, _ b: JSONKeyFingerprint) -> Order {
        if a.high != b.high { return a.high < b.high ? .less : .greater }
        if a.low != b.low { return a.low < b.low ? .less : .greater }
        // Equal first sixteen bytes, padding included: a key of at most 16 bytes is then a
        // prefix of the other key, or equal to it.
        if a.isComplete || b.isComplete {
            return a.count == b.count ? .equal : a.count < b.count ? .less : .greater
        }
        return .undecided
    }
}

/// Byte-level comparisons of keys, shared by the encoder (sorting) and the decoder (lookups).
enum JSONKeyBytes {
    /// Whether two keys have the same UTF-8 bytes (`String`'s `==` compares by canonical
    /// equivalence instead), given their fingerprints.
    @inline(__always)
    static func equal(_ a: String, _ fa: JSONKeyFingerprint, _ b: String, _ fb: JSONKeyFingerprint) -> Bool {
        guard fa == fb else { return false }
        return fa.isComplete || a.utf8.elementsEqual(b.utf8)
    }

    /// Whether two keys have the same UTF-8 bytes.
    static func equal(_ a: String, _ b: String) -> Bool {
        equal(a, JSONKeyFingerprint(a), b, JSONKeyFingerprint(b))
    }
}
