/// Encodes tuples of ``SortableKeyComponent``s into bytes whose bytewise (`memcmp`) order is the
/// tuples' order, for the keys of a sorted key-value store.
///
/// ```swift
/// // An index entry: (entity type, field, value, entity id).
/// let key = SortableKeyEncoder.encode(["movie", "year", 1999, "m42"])
/// // Every movie by year: scan [start, end).
/// let start = SortableKeyEncoder.encode(["movie", "year"])
/// let end = SortableKeyEncoder.successor(ofPrefix: start)
/// ```
///
/// Tuples compare component by component (see ``SortableKeyComponent`` for the order of
/// components), and a tuple sorts before every longer tuple it begins. Each component is a
/// type tag byte and a payload (format in `docs/format/sortable-key.md`): numbers are 8 bytes
/// whose unsigned order is numeric order; strings and bytes are escaped so that a 0x00 byte
/// inside is `00 FF` and the payload ends with `00`, as in FoundationDB's tuple layer. So
/// encodings concatenate: the encoding of a tuple's first components is a prefix of the
/// tuple's encoding, and ``SortableKeyDecoder`` reads components back one at a time.
///
/// Range scans over one component's values, under a prefix `p` (`enc` is ``encode(_:)``):
/// - equal to `v`: `enc(p + [v])` up to ``successor(ofPrefix:)`` of it;
/// - numbers `≥ a`: from `enc(p + [a])` to `enc(p + [""])` (the first string follows the last
///   number); `> a`: from ``successor(ofPrefix:)`` of `enc(p + [a])`;
/// - numbers `< b`: from `enc(p + [.number(-.infinity)])` to `enc(p + [b])`;
/// - every value of one type: from its smallest value to the next type's smallest (`null`,
///   `false`, `true`, `.number(-.infinity)`, `""`, `.bytes([])`), the last type up to
///   ``successor(ofPrefix:)`` of `enc(p)`.
public struct SortableKeyEncoder: Sendable {
    /// The key so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty key.
    public init() { bytes = [] }

    /// Creates an empty key with room for `capacity` bytes.
    public init(reservingCapacity capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends one component.
    ///
    /// - Complexity: O(*n*) in the component's length.
    public mutating func append(_ component: SortableKeyComponent) {
        switch component {
        case .null: bytes.append(SortableKeyFormat.nullTag)
        case .bool(let value): bytes.append(value ? SortableKeyFormat.trueTag : SortableKeyFormat.falseTag)
        case .number(let value):
            bytes.append(SortableKeyFormat.numberTag)
            withUnsafeBytes(of: SortableKeyFormat.orderedBits(value).bigEndian) { bytes.append(contentsOf: $0) }
        case .string(let value):
            bytes.append(SortableKeyFormat.stringTag)
            let done: Void? = value.utf8.withContiguousStorageIfAvailable { appendEscaped($0) }
            if done == nil { appendEscaped(Array(value.utf8)) }
        case .bytes(let value):
            bytes.append(SortableKeyFormat.bytesTag)
            appendEscaped(value)
        }
    }

    /// Appends components in order.
    ///
    /// - Complexity: O(*n*) in the components' total length.
    public mutating func append(contentsOf components: [SortableKeyComponent]) {
        for component in components { append(component) }
    }

    /// Appends a payload with each 0x00 as `00 FF`, then the terminator; copies runs without
    /// 0x00 at once.
    private mutating func appendEscaped(_ payload: some Collection<UInt8>) {
        var rest = payload[...]
        while let nul = rest.firstIndex(of: 0) {
            bytes.append(contentsOf: rest[..<nul])
            bytes.append(0)
            bytes.append(SortableKeyFormat.escapedNUL)
            rest = rest[rest.index(after: nul)...]
        }
        bytes.append(contentsOf: rest)
        bytes.append(SortableKeyFormat.terminator)
    }

    // MARK: Whole keys and ranges

    /// The encoding of a tuple, which is also the prefix of every longer tuple that begins
    /// with these components.
    ///
    /// - Complexity: O(*n*) in the components' total length.
    public static func encode(_ components: [SortableKeyComponent]) -> [UInt8] {
        var encoder = SortableKeyEncoder(reservingCapacity: 64)  // a typical index key, one allocation
        encoder.append(contentsOf: components)
        return encoder.bytes
    }

    /// The upper bound of a scan for the keys that begin with a tuple: every key whose leading
    /// components are `prefix`'s sorts below it, and every other key that sorts at or above
    /// `prefix` sorts at or above it. So `[prefix, successor(ofPrefix: prefix))` holds exactly
    /// those keys (and `prefix` itself, if stored).
    ///
    /// It is `prefix` followed by 0xFF, which no component starts with. Incrementing the
    /// prefix's last byte, as for raw byte prefixes, would be wrong here: the range after
    /// `"a"`'s encoding (`20 61 00`) up to `20 61 01` also holds `"a\0"` (`20 61 00 FF 00`).
    ///
    /// - Parameter prefix: The encoding of a tuple, possibly empty (then the bound is above
    ///   every key).
    /// - Returns: `prefix + [0xFF]`.
    /// - Complexity: O(*n*) in the length of `prefix`.
    public static func successor(ofPrefix prefix: [UInt8]) -> [UInt8] {
        prefix + [SortableKeyFormat.escapedNUL]
    }

    /// The smallest byte string greater than `key`: where to resume a scan after `key`
    /// (cursor pagination).
    ///
    /// - Returns: `key + [0x00]`.
    /// - Complexity: O(*n*) in the length of `key`.
    public static func successor(ofKey key: [UInt8]) -> [UInt8] { key + [0] }

    /// The half-open range of the keys that begin with `components`: from their encoding to
    /// ``successor(ofPrefix:)`` of it.
    ///
    /// - Complexity: O(*n*) in the components' total length.
    public static func range(
        forPrefix components: [SortableKeyComponent]
    ) -> (lowerBound: [UInt8], upperBound: [UInt8]) {
        let prefix = encode(components)
        return (prefix, successor(ofPrefix: prefix))
    }
}
