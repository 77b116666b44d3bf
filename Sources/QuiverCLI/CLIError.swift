/// An error the `quiver` tool reports to its user: a one-line message and a documented exit code.
///
/// Codes form a small vocabulary modelled on LevelDB's status codes; each maps to a `sysexits.h`
/// exit status (see ``Code/exitCode``). Messages name files, rows and fields, never vector values.
package struct CLIError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidArgument, notFound, corruption, unsupported, io, resourceExhausted, internalError
        }
        private let value: Value

        /// A command-line value is out of range or arguments contradict each other. Exit 64.
        package static let invalidArgument = Code(value: .invalidArgument)
        /// An input file does not exist. Exit 66.
        package static let notFound = Code(value: .notFound)
        /// An input file is malformed: truncated, wrong magic, wrong shape, non-finite values. Exit 65.
        package static let corruption = Code(value: .corruption)
        /// An input is well formed but uses something the reader does not handle (a dtype, an
        /// extension). Exit 65.
        package static let unsupported = Code(value: .unsupported)
        /// Reading or writing a file failed. Exit 74.
        package static let io = Code(value: .io)
        /// The input would not fit in memory. Exit 71.
        package static let resourceExhausted = Code(value: .resourceExhausted)
        /// The index rejected data the tool had already validated: a bug. Exit 70.
        package static let internalError = Code(value: .internalError)

        /// The process exit status for this code (`sysexits.h` values).
        package var exitCode: Int32 {
            switch value {
            case .invalidArgument: 64  // EX_USAGE
            case .corruption, .unsupported: 65  // EX_DATAERR
            case .notFound: 66  // EX_NOINPUT
            case .resourceExhausted: 71  // EX_OSERR
            case .internalError: 70  // EX_SOFTWARE
            case .io: 74  // EX_IOERR
            }
        }

        /// The code's name.
        package var description: String {
            switch value {
            case .invalidArgument: "invalid argument"
            case .notFound: "not found"
            case .corruption: "corruption"
            case .unsupported: "unsupported"
            case .io: "I/O error"
            case .resourceExhausted: "resource exhausted"
            case .internalError: "internal error"
            }
        }
    }

    /// The kind of failure.
    package let code: Code
    /// What went wrong, in one line.
    package let message: String

    /// Creates an error of `code` with a one-line message.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    package var description: String { message }

    static func invalidArgument(_ message: String) -> CLIError { CLIError(.invalidArgument, message) }
    static func notFound(_ message: String) -> CLIError { CLIError(.notFound, message) }
    static func corruption(_ message: String) -> CLIError { CLIError(.corruption, message) }
    static func unsupported(_ message: String) -> CLIError { CLIError(.unsupported, message) }
    static func io(_ message: String) -> CLIError { CLIError(.io, message) }
}

extension CLIError.Code {
    /// Lets `catch CLIError.Code.corruption` (or `#expect(throws:)` predicates) match by code.
    package static func ~= (pattern: CLIError.Code, error: any Error) -> Bool {
        (error as? CLIError)?.code == pattern
    }
}
