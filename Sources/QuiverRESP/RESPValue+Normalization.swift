import NIOCore

extension RESPValue {
    /// The value a client decodes after this one is encoded for `protocolVersion`.
    ///
    /// It applies ``RESPEncoder``'s rules at every depth: for RESP2, the RESP3 types become their
    /// RESP2 stand-ins (a double becomes the bulk string of its text, a map a flat array, null a
    /// null bulk string, …); for RESP3, null bulk strings and null arrays become ``null``. In both,
    /// CR and LF in simple strings, simple errors and big numbers become spaces, and a verbatim
    /// format becomes its first three bytes padded with spaces. So
    /// `decode(encode(v, version)) == v.normalized(for: version)`.
    ///
    /// - Parameter protocolVersion: The version the value is encoded for.
    /// - Returns: The value as it reads back.
    /// - Complexity: O(*n*) in the number of nested values.
    public func normalized(for protocolVersion: RESPProtocolVersion) -> RESPValue {
        let resp3 = protocolVersion == .resp3
        func entries(_ entries: [(key: RESPValue, value: RESPValue)]) -> [(key: RESPValue, value: RESPValue)] {
            entries.map {
                (key: $0.key.normalized(for: protocolVersion), value: $0.value.normalized(for: protocolVersion))
            }
        }
        func flat(_ entries: [(key: RESPValue, value: RESPValue)]) -> [RESPValue] {
            entries.flatMap { [$0.key.normalized(for: protocolVersion), $0.value.normalized(for: protocolVersion)] }
        }
        switch self {
        case .simpleString(let text): return .simpleString(Self.sanitized(text))
        case .simpleError(let text): return .simpleError(Self.sanitized(text))
        case .integer, .bulkString: return self
        case .nullBulkString, .null: return resp3 ? .null : .nullBulkString
        case .nullArray: return resp3 ? .null : .nullArray
        case .array(let elements): return .array(elements.map { $0.normalized(for: protocolVersion) })
        case .boolean(let flag): return resp3 ? self : .integer(flag ? 1 : 0)
        case .double(let number): return resp3 ? self : .bulkString(RESPDouble.format(number))
        case .bigNumber(let digits): return resp3 ? .bigNumber(Self.sanitized(digits)) : .bulkString(digits)
        case .bulkError(let payload):
            return resp3
                ? self : .simpleError(Self.sanitized(String(decoding: payload.readableBytesView, as: UTF8.self)))
        case .verbatimString(let format, let text):
            return resp3
                ? .verbatimString(format: String(decoding: Self.verbatimFormatBytes(format), as: UTF8.self), text: text)
                : .bulkString(text)
        case .map(let pairs): return resp3 ? .map(entries(pairs)) : .array(flat(pairs))
        case .set(let elements):
            let normalized = elements.map { $0.normalized(for: protocolVersion) }
            return resp3 ? .set(normalized) : .array(normalized)
        case .attribute(let pairs, let reply):
            return resp3
                ? .attribute(entries(pairs), reply.normalized(for: protocolVersion))
                : reply.normalized(for: protocolVersion)
        case .push(let elements):
            let normalized = elements.map { $0.normalized(for: protocolVersion) }
            return resp3 ? .push(normalized) : .array(normalized)
        }
    }

    private static func sanitized(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) else { return text }
        return String(
            decoding: text.utf8.map { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") ? UInt8(ascii: " ") : $0 },
            as: UTF8.self)
    }
}
