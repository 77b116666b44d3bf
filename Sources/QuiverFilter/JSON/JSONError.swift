/// A malformed JSON text: what was wrong and the byte offset where the parser noticed it.
///
/// Match a kind of failure with `catch JSONError.Code.tooDeep` or compare ``code``. The
/// description names the offset and the kind, never the document's contents.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of mistake.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case unexpectedEnd, unexpectedByte, invalidNumber, numberOutOfRange, invalidEscape
            case loneSurrogate, controlCharacter, invalidUTF8, tooDeep, trailingData
        }
        private let value: Value

        /// The text ended inside a value.
        public static let unexpectedEnd = Code(value: .unexpectedEnd)
        /// A byte that cannot start or continue a value here.
        public static let unexpectedByte = Code(value: .unexpectedByte)
        /// A number that does not follow the JSON grammar (`01`, `1.`, `+1`, `.5`, `1e`).
        public static let invalidNumber = Code(value: .invalidNumber)
        /// A number too large for a `Double` (`1e400`).
        public static let numberOutOfRange = Code(value: .numberOutOfRange)
        /// A backslash followed by anything but `" \ / b f n r t` or `u` and four hex digits.
        public static let invalidEscape = Code(value: .invalidEscape)
        /// A `\u` escape of a UTF-16 surrogate that is not part of a high-low pair.
        public static let loneSurrogate = Code(value: .loneSurrogate)
        /// An unescaped byte below 0x20 inside a string.
        public static let controlCharacter = Code(value: .controlCharacter)
        /// Bytes inside a string that are not well-formed UTF-8.
        public static let invalidUTF8 = Code(value: .invalidUTF8)
        /// Arrays and objects nested deeper than ``JSONValue/maximumDepth``.
        public static let tooDeep = Code(value: .tooDeep)
        /// Something other than whitespace after the top-level value.
        public static let trailingData = Code(value: .trailingData)

        /// The code's name.
        public var description: String {
            switch value {
            case .unexpectedEnd: "unexpected end of input"
            case .unexpectedByte: "unexpected byte"
            case .invalidNumber: "invalid number"
            case .numberOutOfRange: "number out of range"
            case .invalidEscape: "invalid escape"
            case .loneSurrogate: "lone surrogate"
            case .controlCharacter: "unescaped control character"
            case .invalidUTF8: "invalid UTF-8"
            case .tooDeep: "nesting too deep"
            case .trailingData: "trailing data after the value"
            }
        }
    }

    /// The kind of mistake.
    public let code: Code
    /// The byte offset, from the start of the input, of the first byte that is wrong (or the
    /// input's length when it ended too early).
    public let offset: Int

    /// Creates an error of `code` at byte `offset`.
    public init(_ code: Code, at offset: Int) {
        self.code = code
        self.offset = offset
    }

    /// `invalid JSON at byte <offset>: <code>`.
    public var description: String { "invalid JSON at byte \(offset): \(code)" }
}

extension JSONError.Code {
    /// Lets `catch JSONError.Code.invalidNumber` match an error by its code.
    public static func ~= (pattern: JSONError.Code, error: any Error) -> Bool {
        (error as? JSONError)?.code == pattern
    }
}
