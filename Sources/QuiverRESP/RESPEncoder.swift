public import NIOCore

/// Writes replies for a connection's protocol version, applying Redis's RESP3 → RESP2 downgrade.
///
/// | Value | RESP3 | RESP2 |
/// |---|---|---|
/// | ``RESPValue/null`` | `_` | `$-1` |
/// | ``RESPValue/nullBulkString`` | `_` | `$-1` |
/// | ``RESPValue/nullArray`` | `_` | `*-1` |
/// | ``RESPValue/boolean(_:)`` | `#t` / `#f` | `:1` / `:0` |
/// | ``RESPValue/double(_:)`` | `,<text>` | bulk string of the same text (``RESPDouble``) |
/// | ``RESPValue/bigNumber(_:)`` | `(<digits>` | bulk string |
/// | ``RESPValue/verbatimString(format:text:)`` | `=<n+4>` `fmt:` text | bulk string of the text |
/// | ``RESPValue/bulkError(_:)`` | `!<n>` | simple error (CR and LF as spaces) |
/// | ``RESPValue/map(_:)`` | `%<n>` | flat array of 2*n* (keys and values alternate) |
/// | ``RESPValue/set(_:)`` | `~<n>` | array |
/// | ``RESPValue/attribute(_:_:)`` | `\|<n>` then the reply | the reply alone |
/// | ``RESPValue/push(_:)`` | `><n>` | array |
///
/// The rules apply at every depth (a map inside an array is flattened too). Simple strings,
/// simple errors and big numbers are written with CR and LF replaced by spaces, so a reply can
/// never break the framing. For the hottest replies (`+OK`, integers, bulk strings) use the
/// `ByteBuffer` methods directly: they skip building a ``RESPValue``.
public struct RESPEncoder: Sendable, Hashable {
    /// The version replies are written for; `.resp2` until the client sends `HELLO 3`.
    public var protocolVersion: RESPProtocolVersion

    /// Creates an encoder.
    ///
    /// - Parameter protocolVersion: The connection's version; RESP2 unless given.
    public init(protocolVersion: RESPProtocolVersion = .resp2) {
        self.protocolVersion = protocolVersion
    }

    /// Appends `value` to `buffer`.
    ///
    /// - Parameters:
    ///   - value: The reply.
    ///   - buffer: The destination.
    /// - Returns: The number of bytes written.
    /// - Complexity: O(*n*) in the encoded size.
    @discardableResult
    public func encode(_ value: RESPValue, into buffer: inout ByteBuffer) -> Int {
        buffer.writeRESPValue(value, protocolVersion: protocolVersion)
    }
}

extension ByteBuffer {
    /// Appends `value` encoded for `protocolVersion` (see ``RESPEncoder`` for the downgrade rules).
    ///
    /// - Parameters:
    ///   - value: The reply.
    ///   - protocolVersion: The connection's version.
    /// - Returns: The number of bytes written.
    /// - Complexity: O(*n*) in the encoded size.
    @discardableResult
    public mutating func writeRESPValue(_ value: RESPValue, protocolVersion: RESPProtocolVersion) -> Int {
        let start = writerIndex
        let resp3 = protocolVersion == .resp3
        switch value {
        case .simpleString(let text):
            writeRESPSimpleString(text)
        case .simpleError(let text):
            writeRESPSimpleError(text)
        case .integer(let integer):
            writeRESPInteger(integer)
        case .bulkString(let payload):
            writeRESPBulkString(payload)
        case .nullBulkString, .null:
            writeRESPNull(protocolVersion: protocolVersion)
        case .nullArray:
            if resp3 { writeStaticString("_\r\n") } else { writeStaticString("*-1\r\n") }
        case .array(let elements):
            writeRESPLength(prefix: UInt8(ascii: "*"), elements.count)
            for element in elements { writeRESPValue(element, protocolVersion: protocolVersion) }
        case .boolean(let flag):
            writeRESPBoolean(flag, protocolVersion: protocolVersion)
        case .double(let number):
            writeRESPDouble(number, protocolVersion: protocolVersion)
        case .bigNumber(let digits):
            if resp3 {
                writeInteger(UInt8(ascii: "("))
                writeSanitizedLine(digits.utf8)
            } else {
                writeRESPBulkString(bytes: digits.utf8)
            }
        case .bulkError(let payload):
            if resp3 {
                writeRESPLength(prefix: UInt8(ascii: "!"), payload.readableBytes)
                writeImmutableBuffer(payload)
                writeStaticString("\r\n")
            } else {
                writeInteger(UInt8(ascii: "-"))
                writeSanitizedLine(payload.readableBytesView)
            }
        case .verbatimString(let format, let text):
            if resp3 {
                writeRESPLength(prefix: UInt8(ascii: "="), text.readableBytes + 4)
                writeBytes(RESPValue.verbatimFormatBytes(format))
                writeInteger(UInt8(ascii: ":"))
                writeImmutableBuffer(text)
                writeStaticString("\r\n")
            } else {
                writeRESPBulkString(text)
            }
        case .map(let entries):
            if resp3 {
                writeRESPLength(prefix: UInt8(ascii: "%"), entries.count)
            } else {
                writeRESPLength(prefix: UInt8(ascii: "*"), entries.count * 2)
            }
            for entry in entries {
                writeRESPValue(entry.key, protocolVersion: protocolVersion)
                writeRESPValue(entry.value, protocolVersion: protocolVersion)
            }
        case .set(let elements):
            writeRESPLength(prefix: resp3 ? UInt8(ascii: "~") : UInt8(ascii: "*"), elements.count)
            for element in elements { writeRESPValue(element, protocolVersion: protocolVersion) }
        case .attribute(let entries, let reply):
            if resp3 {
                writeRESPLength(prefix: UInt8(ascii: "|"), entries.count)
                for entry in entries {
                    writeRESPValue(entry.key, protocolVersion: protocolVersion)
                    writeRESPValue(entry.value, protocolVersion: protocolVersion)
                }
            }
            writeRESPValue(reply, protocolVersion: protocolVersion)
        case .push(let elements):
            writeRESPLength(prefix: resp3 ? UInt8(ascii: ">") : UInt8(ascii: "*"), elements.count)
            for element in elements { writeRESPValue(element, protocolVersion: protocolVersion) }
        }
        return writerIndex - start
    }

    // MARK: Hot replies

    /// Appends `+OK\r\n`.
    ///
    /// - Returns: 5.
    @discardableResult
    public mutating func writeRESPOK() -> Int {
        writeStaticString("+OK\r\n")
    }

    /// Appends `+<text>\r\n`, with CR and LF in `text` written as spaces.
    ///
    /// - Parameter text: The status text, such as `OK` or `PONG`.
    /// - Returns: The number of bytes written.
    @discardableResult
    public mutating func writeRESPSimpleString(_ text: String) -> Int {
        let start = writerIndex
        writeInteger(UInt8(ascii: "+"))
        writeSanitizedLine(text.utf8)
        return writerIndex - start
    }

    /// Appends `-<text>\r\n`, with CR and LF in `text` written as spaces (as Redis does).
    ///
    /// - Parameter text: The error, starting with its code: `ERR syntax error`.
    /// - Returns: The number of bytes written.
    @discardableResult
    public mutating func writeRESPSimpleError(_ text: String) -> Int {
        let start = writerIndex
        writeInteger(UInt8(ascii: "-"))
        writeSanitizedLine(text.utf8)
        return writerIndex - start
    }

    /// Appends `:<value>\r\n`.
    ///
    /// - Parameter value: The integer.
    /// - Returns: The number of bytes written.
    @discardableResult
    public mutating func writeRESPInteger(_ value: Int64) -> Int {
        writeRESPLength(prefix: UInt8(ascii: ":"), value)
    }

    /// Appends `$<n>\r\n<payload>\r\n` (the payload's readable bytes; the payload is not consumed).
    ///
    /// - Parameter payload: The bytes.
    /// - Returns: The number of bytes written.
    @discardableResult
    public mutating func writeRESPBulkString(_ payload: ByteBuffer) -> Int {
        let start = writerIndex
        writeRESPLength(prefix: UInt8(ascii: "$"), payload.readableBytes)
        writeImmutableBuffer(payload)
        writeStaticString("\r\n")
        return writerIndex - start
    }

    /// Appends `$<n>\r\n<bytes>\r\n`.
    ///
    /// - Parameter bytes: The payload, such as `"value".utf8`.
    /// - Returns: The number of bytes written.
    @discardableResult
    public mutating func writeRESPBulkString(bytes: some Collection<UInt8>) -> Int {
        let start = writerIndex
        writeRESPLength(prefix: UInt8(ascii: "$"), bytes.count)
        writeBytes(bytes)
        writeStaticString("\r\n")
        return writerIndex - start
    }

    /// Appends `$<n>\r\n<bytes>\r\n`; the same as the generic form, with one copy of the bytes.
    ///
    /// - Parameter bytes: The payload.
    /// - Returns: The number of bytes written.
    @discardableResult
    public mutating func writeRESPBulkString(bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { writeRESPBulkString(raw: $0) }
    }

    /// Appends `$<n>\r\n<bytes>\r\n` from memory the caller holds (a value read in place).
    ///
    /// - Parameter payload: The payload.
    /// - Returns: The number of bytes written.
    @discardableResult
    public mutating func writeRESPBulkString(raw payload: UnsafeRawBufferPointer) -> Int {
        // One reservation for the whole reply: header (at most 24 bytes), payload, CRLF.
        writeWithUnsafeMutableBytes(minimumWritableBytes: payload.count + 26) { raw in
            let out = raw.bindMemory(to: UInt8.self)
            out[0] = UInt8(ascii: "$")
            var end = 1 + RESPDouble.writeInteger(Int64(payload.count), into: UnsafeMutableBufferPointer(rebasing: out[1...]))
            out[end] = UInt8(ascii: "\r")
            out[end + 1] = UInt8(ascii: "\n")
            end += 2
            if let base = payload.baseAddress { (raw.baseAddress! + end).copyMemory(from: base, byteCount: payload.count) }
            end += payload.count
            out[end] = UInt8(ascii: "\r")
            out[end + 1] = UInt8(ascii: "\n")
            return end + 2
        }
    }

    /// Appends the null reply: `$-1\r\n` on RESP2, `_\r\n` on RESP3.
    ///
    /// - Parameter protocolVersion: The connection's version.
    /// - Returns: The number of bytes written.
    @discardableResult
    public mutating func writeRESPNull(protocolVersion: RESPProtocolVersion) -> Int {
        protocolVersion == .resp3 ? writeStaticString("_\r\n") : writeStaticString("$-1\r\n")
    }

    /// Appends a boolean: `#t`/`#f` on RESP3, `:1`/`:0` on RESP2.
    ///
    /// - Parameters:
    ///   - value: The boolean.
    ///   - protocolVersion: The connection's version.
    /// - Returns: The number of bytes written.
    @discardableResult
    public mutating func writeRESPBoolean(_ value: Bool, protocolVersion: RESPProtocolVersion) -> Int {
        switch (protocolVersion, value) {
        case (.resp3, true): writeStaticString("#t\r\n")
        case (.resp3, false): writeStaticString("#f\r\n")
        case (.resp2, true): writeStaticString(":1\r\n")
        case (.resp2, false): writeStaticString(":0\r\n")
        }
    }

    /// Appends a double in Redis's format (``RESPDouble``): `,<text>` on RESP3, a bulk string on RESP2.
    ///
    /// - Parameters:
    ///   - value: The double.
    ///   - protocolVersion: The connection's version.
    /// - Returns: The number of bytes written.
    @discardableResult
    public mutating func writeRESPDouble(_ value: Double, protocolVersion: RESPProtocolVersion) -> Int {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: RESPDouble.maximumLength) { storage in
            let count = RESPDouble.write(value, into: storage)
            let text = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: storage[..<count]))
            let start = writerIndex
            if protocolVersion == .resp3 {
                writeInteger(UInt8(ascii: ","))
            } else {
                writeRESPLength(prefix: UInt8(ascii: "$"), count)
            }
            writeBytes(text)
            writeStaticString("\r\n")
            return writerIndex - start
        }
    }

    /// Appends an aggregate header, for replies streamed element by element: `*<count>` for
    /// arrays, and the RESP3 map/set/push prefixes downgraded for RESP2 (a map header announces
    /// 2*count* elements there).
    ///
    /// - Parameters:
    ///   - kind: Which aggregate.
    ///   - count: Its element count (entries, for a map).
    ///   - protocolVersion: The connection's version.
    /// - Returns: The number of bytes written.
    @discardableResult
    public mutating func writeRESPAggregateHeader(
        _ kind: RESPAggregateKind, count: Int, protocolVersion: RESPProtocolVersion
    ) -> Int {
        let resp3 = protocolVersion == .resp3
        switch kind {
        case .array: return writeRESPLength(prefix: UInt8(ascii: "*"), count)
        case .set: return writeRESPLength(prefix: resp3 ? UInt8(ascii: "~") : UInt8(ascii: "*"), count)
        case .push: return writeRESPLength(prefix: resp3 ? UInt8(ascii: ">") : UInt8(ascii: "*"), count)
        case .map:
            return resp3
                ? writeRESPLength(prefix: UInt8(ascii: "%"), count)
                : writeRESPLength(prefix: UInt8(ascii: "*"), count * 2)
        }
    }

    // MARK: Helpers

    /// Appends `<prefix><value>\r\n` in one write.
    @discardableResult
    mutating func writeRESPLength(prefix: UInt8, _ value: some BinaryInteger) -> Int {
        let value = Int64(value)
        return writeWithUnsafeMutableBytes(minimumWritableBytes: 24) { raw in
            let out = raw.bindMemory(to: UInt8.self)
            out[0] = prefix
            let digits = RESPDouble.writeInteger(value, into: UnsafeMutableBufferPointer(rebasing: out[1...]))
            out[digits + 1] = UInt8(ascii: "\r")
            out[digits + 2] = UInt8(ascii: "\n")
            return digits + 3
        }
    }

    /// Appends `bytes` with CR and LF as spaces, then CRLF.
    private mutating func writeSanitizedLine(_ bytes: some Collection<UInt8>) {
        if bytes.contains(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) {
            writeBytes(bytes.lazy.map { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") ? UInt8(ascii: " ") : $0 })
        } else {
            writeBytes(bytes)
        }
        writeStaticString("\r\n")
    }
}

/// An aggregate type, for ``NIOCore/ByteBuffer/writeRESPAggregateHeader(_:count:protocolVersion:)``.
public enum RESPAggregateKind: Sendable, Hashable {
    /// `*`.
    case array
    /// `%` (RESP2: a flat array).
    case map
    /// `~` (RESP2: an array).
    case set
    /// `>` (RESP2: an array).
    case push
}

extension RESPValue {
    /// A verbatim string's format as written: its first three UTF-8 bytes, padded with spaces.
    static func verbatimFormatBytes(_ format: String) -> [UInt8] {
        var bytes = Array(format.utf8.prefix(3))
        while bytes.count < 3 { bytes.append(UInt8(ascii: " ")) }
        return bytes
    }
}
