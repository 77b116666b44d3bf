internal import QuiverEngine
internal import QuiverFilter

/// An error from a ``Database``: a code to match and a message that says what was wrong (the
/// collection, the key, the position of a mistake in a filter). A failed call changes nothing.
///
/// Match codes with `catch let error as QuiverError where error.code == .notFound`, or with the
/// pattern `catch QuiverError.Code.notFound`.
public struct QuiverError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure it is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidArgument, notFound, alreadyExists, readOnly, corruption, locked, io, resourceExhausted, unsupported
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// An argument was malformed: a wrong dimension, a NaN, a bad filter, a bad option.
        public static let invalidArgument = Code(.invalidArgument)
        /// The collection, entity type, note or key does not exist.
        public static let notFound = Code(.notFound)
        /// A collection, table or entity type of that name already exists.
        public static let alreadyExists = Code(.alreadyExists)
        /// The database is closed, or failed (an fsync failed) and takes no writes until reopened.
        public static let readOnly = Code(.readOnly)
        /// Stored data failed a check.
        public static let corruption = Code(.corruption)
        /// Another process has the data directory open.
        public static let locked = Code(.locked)
        /// The operating system refused an operation.
        public static let io = Code(.io)
        /// Memory, disk space or ids ran out.
        public static let resourceExhausted = Code(.resourceExhausted)
        /// The data was written by a newer version of Quiver.
        public static let unsupported = Code(.unsupported)

        /// The code's name.
        public var description: String { "\(value)" }
    }

    /// What kind of failure it is.
    public let code: Code
    /// What was wrong, in one line.
    public let message: String
    /// For a filter syntax error, the byte offset of the mistake in the filter's text (where an
    /// operand is missing, or the first token that does not fit).
    public let position: Int?

    /// An error with `code` and `message`.
    public init(_ code: Code, _ message: String, position: Int? = nil) {
        self.code = code
        self.message = message
        self.position = position
    }

    /// `message`.
    public var description: String { message }

    init(_ error: EngineError) {
        let code: Code =
            switch error.code {
            case .invalidArgument: .invalidArgument
            case .notFound: .notFound
            case .alreadyExists: .alreadyExists
            case .readOnly: .readOnly
            case .corruption: .corruption
            case .locked: .locked
            case .io: .io
            case .resourceExhausted: .resourceExhausted
            case .unsupported: .unsupported
            }
        self.init(code, error.message)
    }

    init(filter error: FilterError, in source: String) {
        self.init(.invalidArgument, "bad filter \(source.debugDescription): \(error.message) (at byte \(error.offset))", position: error.offset)
    }

    /// Wraps whatever a lower layer threw.
    static func wrap(_ error: any Error) -> QuiverError {
        switch error {
        case let error as QuiverError: error
        case let error as EngineError: QuiverError(error)
        default: QuiverError(.io, "\(error)")
        }
    }
}

extension QuiverError.Code {
    /// Lets `catch QuiverError.Code.notFound` match errors with that code.
    public static func ~= (pattern: QuiverError.Code, error: any Error) -> Bool {
        (error as? QuiverError)?.code == pattern
    }
}
