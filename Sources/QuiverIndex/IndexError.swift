/// An error raised by an index: what went wrong, and the offending value where it is not user data.
///
/// Codes form a small vocabulary (`invalidArgument`, `notFound`, `resourceExhausted`); match them
/// with `catch IndexError.invalidArgument` or compare ``code``.
public struct IndexError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable { case invalidArgument, notFound, resourceExhausted }
        private let value: Value

        /// An argument was malformed: wrong dimension, a NaN element, a bad parameter.
        public static let invalidArgument = Code(value: .invalidArgument)
        /// The id names no live vector.
        public static let notFound = Code(value: .notFound)
        /// The index is full (2^32 - 1 internal ids) or memory could not be had.
        public static let resourceExhausted = Code(value: .resourceExhausted)

        /// The code's name.
        public var description: String {
            switch value {
            case .invalidArgument: "invalid argument"
            case .notFound: "not found"
            case .resourceExhausted: "resource exhausted"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// What was wrong, in one line; never contains vector data.
    public let message: String

    /// Creates an error of `code` with a one-line message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    static func invalidArgument(_ message: String) -> IndexError { IndexError(.invalidArgument, message) }
    static func notFound(_ message: String) -> IndexError { IndexError(.notFound, message) }
}

extension IndexError.Code {
    /// Lets `catch IndexError.Code.invalidArgument` (or `case .invalidArgument` on ``IndexError/code``)
    /// match an error by its code.
    public static func ~= (pattern: IndexError.Code, error: any Error) -> Bool {
        (error as? IndexError)?.code == pattern
    }
}
