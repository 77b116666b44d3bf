extension JSONValue {
    /// Parses one JSON text (RFC 8259), strictly.
    ///
    /// Rejects trailing data other than whitespace, nesting deeper than ``maximumDepth``,
    /// numbers outside the grammar or too large for a `Double`, invalid escapes, unescaped
    /// control characters, bytes that are not UTF-8, and `\u` escapes of lone UTF-16
    /// surrogates (as cJSON does; RFC 8259 §8.2 leaves them undefined).
    ///
    /// - Parameter bytes: The UTF-8 text. A byte order mark is not accepted.
    /// - Throws: ``JSONError`` with the byte offset of the first mistake.
    /// - Complexity: O(*n*) in the length of the text.
    public init(parsing bytes: [UInt8]) throws(JSONError) {
        let result: Result<JSONValue, JSONError> = bytes.withUnsafeBufferPointer { buffer in
            let scanner = JSONScanner(bytes: buffer)
            do throws(JSONError) {
                let start = scanner.skipWhitespace(from: 0)
                let (value, end) = try scanner.parseValue(from: start, depth: 0)
                let rest = scanner.skipWhitespace(from: end)
                if rest < buffer.count { throw JSONError(.trailingData, at: rest) }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }
}

extension JSONScanner {
    /// Builds the value starting at `start` (no leading whitespace); returns it and its end.
    func parseValue(from start: Int, depth: Int) throws(JSONError) -> (JSONValue, Int) {
        guard let c = byte(at: start) else { throw JSONError(.unexpectedEnd, at: count) }
        switch c {
        case UInt8(ascii: "\""):
            let (end, hasEscapes) = try scanString(from: start)
            return (.string(string(from: start, to: end, hasEscapes: hasEscapes)), end)
        case UInt8(ascii: "t"): return (.bool(true), try scanLiteral("true", from: start))
        case UInt8(ascii: "f"): return (.bool(false), try scanLiteral("false", from: start))
        case UInt8(ascii: "n"): return (.null, try scanLiteral("null", from: start))
        case UInt8(ascii: "["):
            guard depth < JSONValue.maximumDepth else { throw JSONError(.tooDeep, at: start) }
            var elements: [JSONValue] = []
            var i = skipWhitespace(from: start + 1)
            if byte(at: i) == UInt8(ascii: "]") { return (.array(elements), i + 1) }
            while true {
                let (element, end) = try parseValue(from: i, depth: depth + 1)
                elements.append(element)
                i = try afterElement(from: end, closer: UInt8(ascii: "]"))
                if bytes[i - 1] == UInt8(ascii: "]") { return (.array(elements), i) }
            }
        case UInt8(ascii: "{"):
            guard depth < JSONValue.maximumDepth else { throw JSONError(.tooDeep, at: start) }
            var members: [JSONObject.Member] = []
            var i = skipWhitespace(from: start + 1)
            if byte(at: i) == UInt8(ascii: "}") { return (.object(JSONObject(members)), i + 1) }
            while true {
                let member = try memberValueStart(from: i)
                let key = string(from: member.keyStart, to: member.keyEnd, hasEscapes: member.keyHasEscapes)
                let (value, end) = try parseValue(from: member.valueStart, depth: depth + 1)
                members.append(JSONObject.Member(key: key, value: value))
                i = try afterElement(from: end, closer: UInt8(ascii: "}"))
                if bytes[i - 1] == UInt8(ascii: "}") { return (.object(JSONObject(members)), i) }
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let end = try scanNumber(from: start)
            return (.number(try numberValue(from: start, to: end)), end)
        default:
            throw JSONError(.unexpectedByte, at: start)
        }
    }

    /// The string at `start..<end` (quotes included), validated, unescaped.
    func string(from start: Int, to end: Int, hasEscapes: Bool) -> String {
        if !hasEscapes {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<(end - 1)]), as: UTF8.self)
        }
        var decoded: [UInt8] = []
        decodeString(from: start, to: end, into: &decoded)
        return String(decoding: decoded, as: UTF8.self)
    }
}
