/// A segment section of strictly ascending keys, prefix-compressed with restart points (the
/// layout of a LevelDB block), read in place from the mapping.
///
/// Layout, all integers little-endian:
/// ```
/// entry*     varint shared, varint unshared, unshared bytes   (shared = 0 at every restart)
/// restart*   u32 offset of the entry at each restart
/// trailer    u32 key count, u32 restart interval, u32 restart count
/// ```
/// Key `i` is found by decoding from restart `i / interval`; a key's rank by a binary search over
/// the restarts (whose keys are stored whole) and a scan of at most `interval` entries. Sorted
/// keys share long prefixes, so this costs a few bytes per key where plain keys with offsets
/// cost their length plus 8 (measured on 1M numeric keys: 3.6 against 13.4 bytes per key).
enum SortedKeySection {
    static let restartInterval = 16
    static let trailerSize = 12

    /// Encodes `keys`, which must be strictly ascending.
    static func encode(_ keys: some Sequence<[UInt8]>) -> [UInt8] {
        var out: [UInt8] = []
        var restarts: [UInt32] = []
        var previous: [UInt8] = []
        var count = 0
        for key in keys {
            precondition(count == 0 || compareKeys(previous, key) < 0, "keys of a key section must ascend")
            var shared = 0
            if count % restartInterval == 0 {
                restarts.append(UInt32(out.count))
            } else {
                let limit = min(previous.count, key.count)
                while shared < limit && previous[shared] == key[shared] { shared += 1 }
            }
            appendVarint(UInt32(shared), to: &out)
            appendVarint(UInt32(key.count - shared), to: &out)
            out.append(contentsOf: key[shared...])
            previous = key
            count += 1
        }
        for r in restarts { appendLittleEndian(r, to: &out) }
        appendLittleEndian(UInt32(count), to: &out)
        appendLittleEndian(UInt32(restartInterval), to: &out)
        appendLittleEndian(UInt32(restarts.count), to: &out)
        return out
    }

    static func appendVarint(_ value: UInt32, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }
}

/// A read-only view of a ``SortedKeySection`` in a mapping. Every read is bounds-checked: damaged
/// bytes read as missing keys, never outside the section.
struct SortedKeys: @unchecked Sendable {  // a view into a mapping its segment keeps alive
    private let bytes: UnsafeRawBufferPointer
    /// Number of keys.
    let count: Int
    private let interval: Int
    private let restartCount: Int
    /// Where the restart array starts; entries end there.
    private let restartsOffset: Int

    /// The view of `bytes`, or `nil` when the trailer does not describe a layout that fits.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= SortedKeySection.trailerSize else { return nil }
        let t = bytes.count - SortedKeySection.trailerSize
        let count = Int(bytes.loadUnaligned(fromByteOffset: t, as: UInt32.self).littleEndian)
        let interval = Int(bytes.loadUnaligned(fromByteOffset: t + 4, as: UInt32.self).littleEndian)
        let restartCount = Int(bytes.loadUnaligned(fromByteOffset: t + 8, as: UInt32.self).littleEndian)
        guard interval >= 1, restartCount == (count + interval - 1) / interval, restartCount <= t / 4 else { return nil }
        self.bytes = bytes
        self.count = count
        self.interval = interval
        self.restartCount = restartCount
        restartsOffset = t - restartCount * 4
    }

    /// A view of no keys.
    static var empty: SortedKeys { SortedKeys() }

    private init() {
        bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        count = 0
        interval = SortedKeySection.restartInterval
        restartCount = 0
        restartsOffset = 0
    }

    private func restart(_ r: Int) -> Int? {
        let offset = Int(bytes.loadUnaligned(fromByteOffset: restartsOffset + r * 4, as: UInt32.self).littleEndian)
        return offset < restartsOffset ? offset : nil
    }

    private func varint(at offset: inout Int) -> Int? {
        var value = 0
        var shift = 0
        while offset < restartsOffset, shift <= 28 {
            let byte = bytes[offset]
            offset += 1
            value |= Int(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    /// Decodes the entry at `offset` onto `key` (which holds the previous key).
    private func decodeEntry(at offset: inout Int, into key: inout [UInt8]) -> Bool {
        guard let shared = varint(at: &offset), let unshared = varint(at: &offset), shared <= key.count,
            unshared <= restartsOffset - offset
        else { return false }
        key.removeSubrange(shared...)
        key.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + unshared]))
        offset += unshared
        return true
    }

    /// Key number `index`, or `nil` when it is out of range or damaged.
    func key(at index: Int) -> [UInt8]? {
        guard index >= 0, index < count, let start = restart(index / interval) else { return nil }
        var offset = start
        var key: [UInt8] = []
        for _ in index / interval * interval...index {
            guard decodeEntry(at: &offset, into: &key) else { return nil }
        }
        return key
    }

    /// The rank of the first key not less than `wanted` (`count` when every key is smaller), and
    /// whether that key equals `wanted`.
    func lowerBound(_ wanted: UnsafeRawBufferPointer) -> (index: Int, found: Bool) {
        // The last restart whose key is < wanted.
        var low = 0
        var high = restartCount
        while low < high {
            let mid = (low + high) / 2
            guard var offset = restart(mid) else { return (count, false) }
            var key: [UInt8] = []
            guard decodeEntry(at: &offset, into: &key) else { return (count, false) }
            let c = key.withUnsafeBytes { compareKeyBytes($0, wanted) }
            if c < 0 { low = mid + 1 } else { high = mid }
        }
        let block = max(0, low - 1)
        guard var offset = restart(block) else { return (count, false) }
        var key: [UInt8] = []
        var index = block * interval
        while index < count {
            guard decodeEntry(at: &offset, into: &key) else { return (count, false) }
            let c = key.withUnsafeBytes { compareKeyBytes($0, wanted) }
            if c >= 0 { return (index, c == 0) }
            index += 1
        }
        return (count, false)
    }

    /// The rank of `wanted`, or `nil` when it is absent.
    func index(of wanted: [UInt8]) -> Int? {
        let (index, found) = wanted.withUnsafeBytes { lowerBound($0) }
        return found ? index : nil
    }

    /// Calls `body` with each key from rank `start` on, in order, until it returns `false`.
    /// Stops early at damage.
    func forEach(from start: Int, _ body: (Int, [UInt8]) throws -> Bool) rethrows {
        guard start < count, start >= 0, let first = restart(start / interval) else { return }
        var offset = first
        var key: [UInt8] = []
        var index = start / interval * interval
        while index < count {
            if index % interval == 0 {
                guard let r = restart(index / interval) else { return }
                offset = r
                key.removeAll(keepingCapacity: true)
            }
            guard decodeEntry(at: &offset, into: &key) else { return }
            if index >= start { guard try body(index, key) else { return } }
            index += 1
        }
    }

    /// Checks the whole section: every entry decodes, restarts point at entries with no shared
    /// prefix, keys strictly ascend and the entries end where the restarts begin.
    ///
    /// - Returns: `nil` when sound, else what is wrong.
    func damage() -> String? {
        var offset = 0
        var key: [UInt8] = []
        var previous: [UInt8]? = nil
        for index in 0..<count {
            if index % interval == 0 {
                guard restart(index / interval) == offset else { return "restart \(index / interval) does not point at key \(index)" }
                let before = offset
                guard varint(at: &offset) == 0 else { return "restart key \(index) shares a prefix" }
                offset = before
            }
            guard decodeEntry(at: &offset, into: &key) else { return "key \(index) does not decode at byte \(offset)" }
            if let previous, compareKeys(previous, key) >= 0 { return "key \(index) does not ascend" }
            previous = key
        }
        return offset == restartsOffset ? nil : "\(restartsOffset - offset) stray bytes after the last key"
    }
}
