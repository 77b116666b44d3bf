public import NIOCore

/// A value of the Redis serialization protocol: every RESP2 and RESP3 type.
///
/// Bulk payloads are `ByteBuffer`s, so they are binary safe and, when they come from a decoder,
/// slices of the received bytes rather than copies. Simple strings and errors are `String`s: they
/// cannot contain CR or LF on the wire, and the encoder writes any it finds as spaces, the way
/// Redis sanitises its error replies.
///
/// Which types a reply may use depends on the connection's ``RESPProtocolVersion``; the encoder
/// applies Redis's RESP3 → RESP2 downgrade (``normalized(for:)`` gives the value a client decodes).
///
/// Equality compares doubles by value with every NaN equal to every other NaN, and `-0` distinct
/// from `0` (they print differently); maps and attributes compare entry by entry, in order.
public indirect enum RESPValue: Sendable {
    /// `+OK`: a simple string (no CR or LF).
    case simpleString(String)
    /// `-ERR message`: a simple error; the text starts with its error code (`ERR`, `WRONGTYPE`).
    case simpleError(String)
    /// `:42`: a signed 64-bit integer.
    case integer(Int64)
    /// `$3 foo`: a binary-safe bulk string.
    case bulkString(ByteBuffer)
    /// `$-1`: RESP2's null bulk string (RESP3 sends it as ``null``).
    case nullBulkString
    /// `*2 …`: an array of values.
    case array([RESPValue])
    /// `*-1`: RESP2's null array (RESP3 sends it as ``null``).
    case nullArray
    /// `_`: RESP3's null (RESP2 sends it as a null bulk string).
    case null
    /// `#t` / `#f`: a RESP3 boolean (RESP2: integer 1 or 0).
    case boolean(Bool)
    /// `,3.14`: a RESP3 double, formatted the way Redis formats it (RESP2: a bulk string).
    case double(Double)
    /// `(3492890328409238509324850943850943825024385`: a RESP3 big number, kept as its decimal
    /// text (an optional `-` and digits; RESP2: a bulk string).
    case bigNumber(String)
    /// `!21 SYNTAX invalid syntax`: a RESP3 bulk error (RESP2: a simple error).
    case bulkError(ByteBuffer)
    /// `=15 txt:Some string`: a RESP3 verbatim string with its three-character format (`txt`,
    /// `mkd`), which the encoder pads with spaces or truncates to three bytes (RESP2: a bulk
    /// string of the text alone).
    case verbatimString(format: String, text: ByteBuffer)
    /// `%2 …`: a RESP3 map, in wire order (RESP2: a flat array of keys and values).
    case map([(key: RESPValue, value: RESPValue)])
    /// `~3 …`: a RESP3 set, in wire order (RESP2: an array).
    case set([RESPValue])
    /// `|1 …` then a value: RESP3 attributes attached to the reply that follows them (RESP2 drops
    /// the attributes and sends the reply alone).
    case attribute([(key: RESPValue, value: RESPValue)], RESPValue)
    /// `>3 …`: a RESP3 out-of-band push message, such as a Pub/Sub message (RESP2: an array).
    case push([RESPValue])
}

extension RESPValue {
    /// `+OK`, the most common reply.
    public static let ok = RESPValue.simpleString("OK")
    /// `+PONG`.
    public static let pong = RESPValue.simpleString("PONG")

    /// A bulk string holding the UTF-8 bytes of `string`.
    ///
    /// - Parameter string: The text to send.
    /// - Returns: ``bulkString(_:)`` with a newly allocated buffer.
    public static func bulkString(_ string: String) -> RESPValue {
        .bulkString(ByteBuffer(string: string))
    }

    /// A bulk string holding `bytes`.
    ///
    /// - Parameter bytes: The payload.
    /// - Returns: ``bulkString(_:)`` with a newly allocated buffer.
    public static func bulkString(bytes: some Sequence<UInt8>) -> RESPValue {
        .bulkString(ByteBuffer(bytes: bytes))
    }

    /// Whether this value is an error reply (``simpleError(_:)`` or ``bulkError(_:)``).
    public var isError: Bool {
        switch self {
        case .simpleError, .bulkError: true
        default: false
        }
    }
}

extension RESPValue: Equatable {
    /// Compares two values structurally (see the type's discussion for doubles).
    public static func == (lhs: RESPValue, rhs: RESPValue) -> Bool {
        switch (lhs, rhs) {
        case (.simpleString(let a), .simpleString(let b)): a == b
        case (.simpleError(let a), .simpleError(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.bulkString(let a), .bulkString(let b)): a == b
        case (.nullBulkString, .nullBulkString), (.nullArray, .nullArray), (.null, .null): true
        case (.array(let a), .array(let b)): a == b
        case (.boolean(let a), .boolean(let b)): a == b
        case (.double(let a), .double(let b)): a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern
        case (.bigNumber(let a), .bigNumber(let b)): a == b
        case (.bulkError(let a), .bulkError(let b)): a == b
        case (.verbatimString(let f, let a), .verbatimString(let g, let b)): f == g && a == b
        case (.map(let a), .map(let b)): Self.entriesEqual(a, b)
        case (.set(let a), .set(let b)): a == b
        case (.attribute(let a, let x), .attribute(let b, let y)): Self.entriesEqual(a, b) && x == y
        case (.push(let a), .push(let b)): a == b
        default: false
        }
    }

    private static func entriesEqual(
        _ a: [(key: RESPValue, value: RESPValue)], _ b: [(key: RESPValue, value: RESPValue)]
    ) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension RESPValue: Hashable {
    /// Hashes the value consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .simpleString(let s): hasher.combine(0); hasher.combine(s)
        case .simpleError(let s): hasher.combine(1); hasher.combine(s)
        case .integer(let i): hasher.combine(2); hasher.combine(i)
        case .bulkString(let b): hasher.combine(3); hasher.combine(b)
        case .nullBulkString: hasher.combine(4)
        case .array(let a): hasher.combine(5); hasher.combine(a)
        case .nullArray: hasher.combine(6)
        case .null: hasher.combine(7)
        case .boolean(let b): hasher.combine(8); hasher.combine(b)
        case .double(let d): hasher.combine(9); hasher.combine(d.isNaN ? Double.nan.bitPattern : d.bitPattern)
        case .bigNumber(let s): hasher.combine(10); hasher.combine(s)
        case .bulkError(let b): hasher.combine(11); hasher.combine(b)
        case .verbatimString(let f, let t): hasher.combine(12); hasher.combine(f); hasher.combine(t)
        case .map(let entries):
            hasher.combine(13)
            Self.hashEntries(entries, into: &hasher)
        case .set(let a): hasher.combine(14); hasher.combine(a)
        case .attribute(let entries, let value):
            hasher.combine(15)
            Self.hashEntries(entries, into: &hasher)
            hasher.combine(value)
        case .push(let a): hasher.combine(16); hasher.combine(a)
        }
    }

    private static func hashEntries(_ entries: [(key: RESPValue, value: RESPValue)], into hasher: inout Hasher) {
        hasher.combine(entries.count)
        for entry in entries {
            hasher.combine(entry.key)
            hasher.combine(entry.value)
        }
    }
}
