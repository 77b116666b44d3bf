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
            let payload = try readEscaped(from: next, tag: start)
            guard let string = String(validating: payload.bytes, as: UTF8.self) else {
                throw SortableKeyError(.invalidUTF8, at: start)
            }
            component = .string(string)
            next = payload.end
        case SortableKeyFormat.bytesTag:
            let payload = try readEscaped(from: next, tag: start)
            component = .bytes(payload.bytes)
            next = payload.end
        default:
            throw SortableKeyError(.unknownTag, at: start)
        }
        readerIndex = next
        return component
    }

    /// The unescaped payload starting at `start`, and the offset past its terminator.
    private func readEscaped(from start: Int, tag: Int) throws(SortableKeyError) -> (bytes: [UInt8], end: Int) {
        var payload: [UInt8] = []
        var runStart = start
        var i = start
        while i < bytes.count {
            if bytes[i] != 0 {
                i += 1
                continue
            }
            payload.append(contentsOf: bytes[runStart..<i])
            if i + 1 < bytes.count && bytes[i + 1] == SortableKeyFormat.escapedNUL {
                payload.append(0)
                i += 2
                runStart = i
            } else {
                return (payload, i + 1)
            }
        }
        throw SortableKeyError(.truncated, at: tag)
    }

    /// Every component of `key`.
    ///
    /// - Throws: ``SortableKeyError`` for bytes the encoder does not write.
    /// - Complexity: O(*n*) in the length of `key`.
    public static func decode(_ key: [UInt8]) throws(SortableKeyError) -> [SortableKeyComponent] {
        var decoder = SortableKeyDecoder(key)
        var components: [SortableKeyComponent] = []
        while let component = try decoder.readComponent() { components.append(component) }
        return components
    }
}
