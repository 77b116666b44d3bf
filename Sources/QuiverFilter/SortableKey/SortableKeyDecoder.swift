/// Reads the components of a key written by ``SortableKeyEncoder``, one at a time.
///
/// ```swift
/// var decoder = SortableKeyDecoder(key)
/// while let component = try decoder.readComponent() { … }
/// ```
///
/// Decoding is strict: it accepts exactly the encoder's output, so a key that decodes encodes
/// back to the same bytes. Malformed bytes throw, never trap.
public struct SortableKeyDecoder: Sendable {
    /// The key.
    public let bytes: [UInt8]
    /// The offset of the next component.
    public private(set) var readerIndex = 0

    /// Creates a decoder at the start of `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Whether every component has been read.
    public var isAtEnd: Bool { readerIndex >= bytes.count }

    /// Reads the next component and moves past it.
    ///
    /// - Returns: The component, or `nil` at the end of the key.
    /// - Throws: ``SortableKeyError`` for bytes the encoder does not write; the reader index
    ///   then stays at the component's tag.
    /// - Complexity: O(*n*) in the component's length.
    public mutating func readComponent() throws(SortableKeyError) -> SortableKeyComponent? {
        let start = readerIndex
        guard start < bytes.count else { return nil }
        let component: SortableKeyComponent
        var next = start + 1
        switch bytes[start] {
        case SortableKeyFormat.nullTag: component = .null
        case SortableKeyFormat.falseTag: component = .bool(false)
        case SortableKeyFormat.trueTag: component = .bool(true)
        case SortableKeyFormat.numberTag:
            guard bytes.count - next >= 8 else { throw SortableKeyError(.truncated, at: start) }
            var ordered: UInt64 = 0
            for i in next..<(next + 8) { ordered = ordered << 8 | UInt64(bytes[i]) }
            let value = SortableKeyFormat.number(orderedBits: ordered)
            guard SortableKeyFormat.orderedBits(value) == ordered else {
                throw SortableKeyError(.nonCanonical, at: start)
            }
            component = .number(value)
            next += 8
        case SortableKeyFormat.stringTag:
            let payload = try payloadExtent(from: next, tag: start)
            let string =
                payload.escapes == 0
                ? String(validating: bytes[next..<payload.end - 1], as: UTF8.self)
                : String(validating: unescaped(next..<payload.end - 1, count: payload.escapes), as: UTF8.self)
            guard let string else { throw SortableKeyError(.invalidUTF8, at: start) }
            component = .string(string)
            next = payload.end
        case SortableKeyFormat.bytesTag:
            let payload = try payloadExtent(from: next, tag: start)
            component = .bytes(
                payload.escapes == 0
                    ? Array(bytes[next..<payload.end - 1]) : unescaped(next..<payload.end - 1, count: payload.escapes))
            next = payload.end
        default:
            throw SortableKeyError(.unknownTag, at: start)
        }
        readerIndex = next
        return component
    }

    /// Where the escaped payload starting at `start` ends (the offset past its terminator) and
    /// how many escaped NULs it holds.
    private func payloadExtent(from start: Int, tag: Int) throws(SortableKeyError) -> (end: Int, escapes: Int) {
        var escapes = 0
        var i = start
        while i < bytes.count {
            if bytes[i] != 0 {
                i += 1
            } else if i + 1 < bytes.count && bytes[i + 1] == SortableKeyFormat.escapedNUL {
                escapes += 1
                i += 2
            } else {
                return (i + 1, escapes)
            }
        }
        throw SortableKeyError(.truncated, at: tag)
    }

    /// The payload bytes in `range` (terminator excluded) with each `00 FF` read as 0x00.
    private func unescaped(_ range: Range<Int>, count escapes: Int) -> [UInt8] {
        var payload: [UInt8] = []
        payload.reserveCapacity(range.count - escapes)
        var i = range.lowerBound
        while i < range.upperBound {
            payload.append(bytes[i])
            i += bytes[i] == 0 ? 2 : 1
        }
        return payload
    }

    /// Every component of `key`.
    ///
    /// - Throws: ``SortableKeyError`` for bytes the encoder does not write.
    /// - Complexity: O(*n*) in the length of `key`.
    public static func decode(_ key: [UInt8]) throws(SortableKeyError) -> [SortableKeyComponent] {
        var decoder = SortableKeyDecoder(key)
        var components: [SortableKeyComponent] = []
        components.reserveCapacity(8)  // index keys have a handful of components: one allocation
        while let component = try decoder.readComponent() { components.append(component) }
        return components
    }
}
