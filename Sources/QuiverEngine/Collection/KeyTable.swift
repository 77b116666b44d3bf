/// The keys of an immutable part: id → key and key → id.
///
/// A frozen memtable keeps its dictionaries; a segment keeps three sections read in place from the
/// mapping: the key bytes, `slotCount + 1` little-endian `u32` (or `u64`) offsets into them by id, and the ids
/// of keyed rows sorted by key bytes (for binary search).
enum KeyTable: Sendable {
    case memory(byKey: [String: UInt32], byID: [UInt32: String])
    case mapped(MappedKeys)

    func id(for key: String) -> UInt32? {
        switch self {
        case .memory(let byKey, _): byKey[key]
        case .mapped(let keys): keys.id(for: key)
        }
    }

    func key(of id: UInt32) -> String? {
        switch self {
        case .memory(_, let byID): byID[id]
        case .mapped(let keys): keys.key(of: id)
        }
    }

    /// Every (id, key) pair, in id order for a segment.
    func forEach(_ body: (UInt32, String) throws -> Void) rethrows {
        switch self {
        case .memory(_, let byID): for (id, key) in byID.sorted(by: { $0.key < $1.key }) { try body(id, key) }
        case .mapped(let keys):
            for id in 0..<UInt32(keys.slotCount) { if let key = keys.key(of: id) { try body(id, key) } }
        }
    }
}

/// The key sections of a segment, bounds-checked on every read: damaged offsets read as a
/// missing key, never outside the mapping.
struct MappedKeys: @unchecked Sendable {  // views into a mapping its segment keeps alive
    let bytes: UnsafeRawBufferPointer
    let offsets: UnsafeRawBufferPointer
    let order: UnsafeRawBufferPointer
    let slotCount: Int

    /// Bytes per offset, 4 or 8, from the size of the offsets section; 0 when it fits neither.
    var offsetWidth: Int {
        switch offsets.count {
        case (slotCount + 1) * 4: 4
        case (slotCount + 1) * 8: 8
        default: 0
        }
    }

    private func offset(_ i: Int) -> UInt64 {
        offsetWidth == 4
            ? UInt64(offsets.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self).littleEndian)
            : offsets.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self).littleEndian
    }

    private func range(_ id: Int) -> Range<Int>? {
        guard id >= 0, id < slotCount, offsetWidth != 0 else { return nil }
        let start = offset(id)
        let end = offset(id + 1)
        guard start <= end, end <= UInt64(bytes.count) else { return nil }
        return Int(start)..<Int(end)
    }

    func key(of id: UInt32) -> String? {
        guard let r = range(Int(id)), !r.isEmpty else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[r]), as: UTF8.self)
    }

    func id(for key: String) -> UInt32? {
        var key = key
        return key.withUTF8 { wanted -> UInt32? in
            var low = 0
            var high = order.count / 4
            while low < high {
                let mid = (low + high) / 2
                let id = order.loadUnaligned(fromByteOffset: mid * 4, as: UInt32.self).littleEndian
                guard let r = range(Int(id)) else { return nil }
                let c = compare(UnsafeRawBufferPointer(rebasing: bytes[r]), UnsafeRawBufferPointer(wanted))
                if c == 0 { return id }
                if c < 0 { low = mid + 1 } else { high = mid }
            }
            return nil
        }
    }

    /// Lexicographic comparison of bytes: negative, zero or positive.
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
            let c = memcmp(pa, pb, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }

    private func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int { Self.compare(a, b) }
}

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif
