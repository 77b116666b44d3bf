public import NIOCore

/// A failure of the RESP codec: a request the server must reject, or a malformed reply.
///
/// Request errors (``isProtocolError``) carry Redis's exact reply: the caller sends
/// ``replyBytes`` (the same in RESP2 and RESP3) and then closes the connection, as Redis does.
/// Commands parsed before the error are valid and are answered first. Match a kind with
/// `catch RESPError.Code.invalidBulkLength`.
public struct RESPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case tooBigInlineRequest, unbalancedQuotes, tooBigMultibulkCountString, tooBigBulkCountString
            case expectedDollar, invalidBulkLength, unauthenticatedBulkLength, invalidMultibulkLength
            case unauthenticatedMultibulkLength, malformedReply
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// An inline command line longer than ``RESPRequestLimits/maxInlineRequestLength``.
        public static let tooBigInlineRequest = Code(.tooBigInlineRequest)
        /// An inline command with an unterminated quote, or a closing quote not followed by a space.
        public static let unbalancedQuotes = Code(.unbalancedQuotes)
        /// A `*<count>` line longer than ``RESPRequestLimits/maxLengthLineLength`` without CR.
        public static let tooBigMultibulkCountString = Code(.tooBigMultibulkCountString)
        /// A `$<length>` line longer than ``RESPRequestLimits/maxLengthLineLength`` without CR.
        public static let tooBigBulkCountString = Code(.tooBigBulkCountString)
        /// An argument of a multibulk request that does not start with `$`.
        public static let expectedDollar = Code(.expectedDollar)
        /// A bulk length that is not a strict integer, is negative, or exceeds
        /// ``RESPRequestLimits/maxBulkLength``.
        public static let invalidBulkLength = Code(.invalidBulkLength)
        /// A bulk length over the unauthenticated limit (``RESPRequestLimits/Unauthenticated``).
        public static let unauthenticatedBulkLength = Code(.unauthenticatedBulkLength)
        /// A multibulk count that is not a strict integer or exceeds
        /// ``RESPRequestLimits/maxMultibulkCount``.
        public static let invalidMultibulkLength = Code(.invalidMultibulkLength)
        /// A multibulk count over the unauthenticated limit (``RESPRequestLimits/Unauthenticated``).
        public static let unauthenticatedMultibulkLength = Code(.unauthenticatedMultibulkLength)
        /// A reply that does not follow RESP2/RESP3 (client side only).
        public static let malformedReply = Code(.malformedReply)

        /// The code's name.
        public var description: String {
            switch value {
            case .tooBigInlineRequest: "too big inline request"
            case .unbalancedQuotes: "unbalanced quotes"
            case .tooBigMultibulkCountString: "too big multibulk count string"
            case .tooBigBulkCountString: "too big bulk count string"
            case .expectedDollar: "expected '$'"
            case .invalidBulkLength: "invalid bulk length"
            case .unauthenticatedBulkLength: "unauthenticated bulk length"
            case .invalidMultibulkLength: "invalid multibulk length"
            case .unauthenticatedMultibulkLength: "unauthenticated multibulk length"
            case .malformedReply: "malformed reply"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// For ``Code/expectedDollar``, the byte found where `$` was expected; `nil` otherwise.
    public let offendingByte: UInt8?
    /// For ``Code/malformedReply``, what was wrong (never the payload); empty otherwise.
    public let detail: String

    private init(code: Code, offendingByte: UInt8? = nil, detail: String = "") {
        self.code = code
        self.offendingByte = offendingByte
        self.detail = detail
    }

    static let tooBigInlineRequest = RESPError(code: .tooBigInlineRequest)
    static let unbalancedQuotes = RESPError(code: .unbalancedQuotes)
    static let tooBigMultibulkCountString = RESPError(code: .tooBigMultibulkCountString)
    static let tooBigBulkCountString = RESPError(code: .tooBigBulkCountString)
    static let invalidBulkLength = RESPError(code: .invalidBulkLength)
    static let unauthenticatedBulkLength = RESPError(code: .unauthenticatedBulkLength)
    static let invalidMultibulkLength = RESPError(code: .invalidMultibulkLength)
    static let unauthenticatedMultibulkLength = RESPError(code: .unauthenticatedMultibulkLength)

    static func expectedDollar(got byte: UInt8) -> RESPError {
        RESPError(code: .expectedDollar, offendingByte: byte)
    }

    static func malformedReply(_ detail: String) -> RESPError {
        RESPError(code: .malformedReply, detail: detail)
    }

    /// Whether this is a request error: the caller sends ``replyBytes`` and closes the connection.
    public var isProtocolError: Bool { code != .malformedReply }

    /// The bytes of Redis's reply after `-ERR `, for a request error (empty for a reply error).
    ///
    /// For ``Code/expectedDollar`` the offending byte is included raw, except CR and LF, which
    /// become spaces (Redis 8.8 does the same, and sends a NUL byte as is).
    public var messageBytes: [UInt8] {
        let text: String
        switch code {
        case .tooBigInlineRequest: text = "Protocol error: too big inline request"
        case .unbalancedQuotes: text = "Protocol error: unbalanced quotes in request"
        case .tooBigMultibulkCountString: text = "Protocol error: too big mbulk count string"
        case .tooBigBulkCountString: text = "Protocol error: too big bulk count string"
        case .invalidBulkLength: text = "Protocol error: invalid bulk length"
        case .unauthenticatedBulkLength: text = "Protocol error: unauthenticated bulk length"
        case .invalidMultibulkLength: text = "Protocol error: invalid multibulk length"
        case .unauthenticatedMultibulkLength: text = "Protocol error: unauthenticated multibulk length"
        case .expectedDollar:
            var byte = offendingByte ?? 0
            if byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") { byte = UInt8(ascii: " ") }
            return Array("Protocol error: expected '$', got '".utf8) + [byte, UInt8(ascii: "'")]
        default: return []
        }
        return Array(text.utf8)
    }

    /// The complete reply a server sends for a request error: `-ERR Protocol error: …\r\n`.
    ///
    /// Empty for ``Code/malformedReply``.
    public var replyBytes: ByteBuffer {
        guard isProtocolError else { return ByteBuffer() }
        var buffer = ByteBuffer()
        buffer.writeStaticString("-ERR ")
        buffer.writeBytes(messageBytes)
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// The reply as a ``RESPValue/simpleError(_:)`` (`ERR Protocol error: …`).
    ///
    /// A non-UTF-8 offending byte reads as U+FFFD here; ``replyBytes`` has the exact bytes.
    public var reply: RESPValue {
        .simpleError("ERR " + String(decoding: messageBytes, as: UTF8.self))
    }

    /// `ERR Protocol error: …` for a request error, `malformed reply: …` for a reply error. The
    /// offending byte of ``Code/expectedDollar`` is written as a `\x..` escape when unprintable.
    public var description: String {
        switch code {
        case .malformedReply: return "malformed reply: \(detail)"
        case .expectedDollar:
            let byte = offendingByte ?? 0
            let shown =
                (0x20..<0x7F).contains(byte)
                ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16, uppercase: false).leftPadded(to: 2)
            return "ERR Protocol error: expected '$', got '\(shown)'"
        default: return "ERR " + String(decoding: messageBytes, as: UTF8.self)
        }
    }
}

extension RESPError.Code {
    /// Lets `catch RESPError.Code.invalidBulkLength` match an error by its code.
    public static func ~= (pattern: RESPError.Code, error: any Error) -> Bool {
        (error as? RESPError)?.code == pattern
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
