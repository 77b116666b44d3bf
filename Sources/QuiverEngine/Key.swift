/// A key of a vector or a record: any bytes (binary-safe), ordered bytewise.
///
/// Create one from a string (`"apple"`, its UTF-8 bytes) or from bytes. Keys are compared and
/// sorted by their bytes (memcmp order), the order range scans and `VRANGE` use.
public struct Key: Sendable, Hashable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The key's bytes.
    public var bytes: [UInt8]

    /// A key of `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// A key of `text`'s UTF-8 bytes.
    public init(_ text: String) { bytes = Array(text.utf8) }

    /// A key of the literal's UTF-8 bytes.
    public init(stringLiteral value: String) { self.init(value) }

    /// The bytes as UTF-8 text, or `nil` when they are not valid UTF-8.
    public var text: String? { String(validating: bytes, as: UTF8.self) }

    /// The key as text, with invalid UTF-8 replaced (for messages; use ``bytes`` for data).
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// Bytewise order.
    public static func < (a: Key, b: Key) -> Bool { compareKeys(a.bytes, b.bytes) < 0 }

    /// Bytewise equality (one `memcmp`).
    @inlinable
    public static func == (a: Key, b: Key) -> Bool { a.bytes == b.bytes }

    /// Hashes the bytes in one block and the length (the synthesized conformance feeds the
    /// hasher a byte at a time, which dominated cache lookups).
    @inlinable
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        hasher.combine(bytes.count)
    }
}
