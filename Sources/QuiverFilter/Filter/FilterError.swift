/// A FILTER expression that does not compile, with Redis's message for it.
///
/// ``message`` is byte for byte the text Redis 8.8 replies with, minus the `ERR ` prefix:
/// `syntax error in FILTER expression near: <suffix>`. For a mistake the tokenizer finds (an
/// unknown character or word, a malformed number or tuple) the suffix starts where the
/// tokenizer stopped (`.a @ 1` gives `near: @ 1`, `.a === 1` gives `near:  1`); for a
/// structural mistake (a missing operand, two values in a row, unbalanced parentheses), or a
/// tokenizer stop at the very end (an unterminated string, `.a == true`), it is the whole
/// expression.
public struct FilterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable { case syntax }
        private let value: Value

        /// The expression does not follow the FILTER grammar.
        public static let syntax = Code(value: .syntax)

        /// The code's name.
        public var description: String { "syntax error" }
    }

    /// The kind of failure; always ``Code/syntax`` today.
    public let code: Code
    /// The byte offset in the expression's UTF-8 text where the echoed suffix starts (0 when
    /// the whole expression is echoed).
    public let position: Int
    /// The byte offset of the mistake itself, whatever the message echoes: where the tokenizer
    /// stopped (the start of its token when that was the end: an unterminated string, an
    /// unknown word), or the start of the token the grammar does not allow there (the text's
    /// length when the expression ends too early).
    public let offset: Int
    /// `syntax error in FILTER expression near: <suffix>`.
    public let message: String

    /// The message, as Redis sends it after `ERR `.
    public var description: String { message }

    /// Builds Redis's message for a stop at `position`.
    ///
    /// - Parameters:
    ///   - source: The expression's bytes up to its first NUL (the part Redis compiles).
    ///   - fullLength: The length of the whole argument; Redis echoes everything when the
    ///     position is at or past it.
    ///   - offset: Where the mistake is, when not at `position` (a structural mistake).
    init(position: Int, source: [UInt8], fullLength: Int, offset: Int? = nil) {
        let start = position >= fullLength ? 0 : min(position, source.count)
        self.code = .syntax
        self.position = start
        self.offset = offset ?? min(position, source.count)
        self.message = "syntax error in FILTER expression near: " + String(decoding: source[start...], as: UTF8.self)
    }
}

extension FilterError.Code {
    /// Lets `catch FilterError.Code.syntax` match an error by its code.
    public static func ~= (pattern: FilterError.Code, error: any Error) -> Bool {
        (error as? FilterError)?.code == pattern
    }
}
