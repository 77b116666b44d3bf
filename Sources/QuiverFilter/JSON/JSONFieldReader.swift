/// Reads top-level members of a JSON object without building the whole tree: the fast path
/// for a filter that needs one or two fields of a large attribute blob.
///
/// The reader validates everything it passes over, with the same grammar as
/// ``JSONValue/init(parsing:)``, up to the end of the member it returns; bytes after that
/// member are never examined (as Redis's FILTER does). Keys compare after unescaping; with
/// duplicate keys the first wins.
public struct JSONFieldReader: Sendable {
    /// The JSON text.
    public let bytes: [UInt8]

    /// Creates a reader over a JSON text; nothing is read until a lookup.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The value of the first top-level member named `key`.
    ///
    /// - Returns: The value, or `nil` when the object has no such member.
    /// - Throws: ``JSONError`` when the text is not an object, or is malformed before the end of
    ///   the member (through the `,` or `}` after its value).
    /// - Complexity: O(*n*) in the bytes before the end of the member.
    public func value(forKey key: String) throws(JSONError) -> JSONValue? {
        guard let range = try valueRange(forKey: key) else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            try! JSONScanner(bytes: buffer).parseValue(from: range.lowerBound, depth: 1).0
        }
    }

    /// The byte range of the text of the first top-level member named `key`'s value.
    ///
    /// - Returns: The range, or `nil` when the object has no such member.
    /// - Throws: As ``value(forKey:)``.
    public func valueRange(forKey key: String) throws(JSONError) -> Range<Int>? {
        var key = key
        let result: Result<Range<Int>?, JSONError> = key.withUTF8 { keyBytes in
            bytes.withUnsafeBufferPointer { buffer in
                let scanner = JSONScanner(bytes: buffer)
                var start = -1
                do throws(JSONError) {
                    let found = try withUnsafeMutablePointer(to: &start) { pointer throws(JSONError) in
                        try scanner.locateMembers(
                            keys: CollectionOfOne(keyBytes),
                            starts: UnsafeMutableBufferPointer(start: pointer, count: 1))
                    }
                    guard found == 1 else { return .success(nil) }
                    let end = try scanner.skipValue(from: start, depth: 1)
                    _ = try scanner.afterElement(from: end, closer: UInt8(ascii: "}"))
                    return .success(start..<end)
                } catch {
                    return .failure(error)
                }
            }
        }
        return try result.get()
    }
}

extension JSONScanner {
    /// Finds the first top-level member named by each of `keys` in the object this text holds.
    ///
    /// Writes the position where each found member's value starts into `starts` (entries for
    /// keys not found are left alone; they must start negative) and returns how many were
    /// found. Stops as soon as all are found: the last value found is not validated here, nor
    /// anything after it.
    ///
    /// - Precondition: `keys` holds distinct keys; `starts.count == keys.count`.
    func locateMembers<Keys: RandomAccessCollection<UnsafeBufferPointer<UInt8>>>(
        keys: Keys, starts: UnsafeMutableBufferPointer<Int>
    ) throws(JSONError) -> Int where Keys.Index == Int {
        var i = skipWhitespace(from: 0)
        guard let open = byte(at: i) else { throw JSONError(.unexpectedEnd, at: count) }
        guard open == UInt8(ascii: "{") else { throw JSONError(.unexpectedByte, at: i) }
        i = skipWhitespace(from: i + 1)
        if byte(at: i) == UInt8(ascii: "}") { return 0 }
        var found = 0
        while true {
            let member = try memberValueStart(from: i)
            for k in 0..<keys.count where starts[k] < 0 {
                if stringEquals(
                    from: member.keyStart, to: member.keyEnd, hasEscapes: member.keyHasEscapes,
                    keys[keys.startIndex + k])
                {
                    starts[k] = member.valueStart
                    found += 1
                    if found == keys.count { return found }
                    break
                }
            }
            i = try skipValue(from: member.valueStart, depth: 1)
            i = try afterElement(from: i, closer: UInt8(ascii: "}"))
            if bytes[i - 1] == UInt8(ascii: "}") { return found }
        }
    }
}
