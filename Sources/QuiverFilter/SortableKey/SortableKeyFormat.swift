/// The constants of the sortable key format (`docs/format/sortable-key.md`): one tag byte per
/// component, ordered as the types are, then the component's payload.
enum SortableKeyFormat {
    // MARK: Tags, in type order (null < false < true < numbers < strings < bytes)

    /// `null`; no payload.
    static let nullTag: UInt8 = 0x02
    /// `false`; no payload.
    static let falseTag: UInt8 = 0x04
    /// `true`; no payload.
    static let trueTag: UInt8 = 0x05
    /// A number: 8 bytes, ``orderedBits(_:)`` big-endian.
    static let numberTag: UInt8 = 0x10
    /// A string: its UTF-8 bytes escaped, then ``terminator``.
    static let stringTag: UInt8 = 0x20
    /// Raw bytes: escaped, then ``terminator``.
    static let bytesTag: UInt8 = 0x30

    // MARK: Escaping (FoundationDB's tuple layer)

    /// Ends a string or bytes payload. Smaller than every payload byte, so a string sorts
    /// before every string it is a proper prefix of.
    static let terminator: UInt8 = 0x00
    /// Follows a 0x00 payload byte (`00 FF`), so that 0x00 inside a payload is not the
    /// terminator. No tag is 0xFF, so after a 0x00 the next byte tells which one it was.
    static let escapedNUL: UInt8 = 0xFF

    // MARK: Numbers

    /// The one NaN keys hold (the default quiet NaN, positive), above +infinity.
    static let canonicalNaNBits: UInt64 = 0x7FF8_0000_0000_0000

    /// The 64-bit integer whose unsigned order is the numbers' total order: −infinity, the
    /// negatives, zero (−0 counts as 0), the positives, +infinity, then NaN (any NaN counts as
    /// ``canonicalNaNBits``).
    ///
    /// IEEE 754 bit patterns order positive doubles as unsigned integers; flipping the sign bit
    /// of a positive and every bit of a negative makes the whole line ascend.
    @inline(__always)
    static func orderedBits(_ value: Double) -> UInt64 {
        let bits: UInt64 = value.isNaN ? canonicalNaNBits : value == 0 ? 0 : value.bitPattern
        return bits & (1 << 63) == 0 ? bits ^ (1 << 63) : ~bits
    }

    /// The number ``orderedBits(_:)`` maps to `ordered`.
    @inline(__always)
    static func number(orderedBits ordered: UInt64) -> Double {
        Double(bitPattern: ordered & (1 << 63) != 0 ? ordered ^ (1 << 63) : ~ordered)
    }
}
