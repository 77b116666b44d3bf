internal import QuiverIndex
internal import QuiverStorage
internal import SystemPackage

/// An error from the storage engine: a code to match and a one-line message that names what was
/// wrong (the collection, the key, the file and offset).
public struct EngineError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Sendable, Hashable {
        /// An argument was malformed: a wrong dimension, a NaN, an empty key, a bad option.
        case invalidArgument
        /// The collection or key does not exist.
        case notFound
        /// The collection already exists.
        case alreadyExists
        /// The engine is closed, or failed (an fsync failed) and accepts no writes until reopened.
        case readOnly
        /// Stored data failed a check: a checksum, a length, a format version.
        case corruption
        /// Another process holds the data directory.
        case locked
        /// The operating system refused an operation (the message has the errno).
        case io
        /// Memory, disk space or ids ran out.
        case resourceExhausted
        /// The data was written by a newer version of Quiver.
        case unsupported
    }

    /// The kind of failure.
    public let code: Code
    /// What was wrong, in one line.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `message`.
    public var description: String { message }

    /// Wraps a storage error, keeping its code's meaning.
    init(_ error: StorageError) {
        let code: Code
        switch error.code {
        case .corruption: code = .corruption
        case .notFound: code = .notFound
        case .resourceExhausted, .io(.noSpace): code = .resourceExhausted
        case .readOnly: code = .readOnly
        case .unsupported: code = .unsupported
        case .invalidArgument: code = .invalidArgument
        default: code = .io
        }
        self.init(code, error.description)
    }

    /// Wraps an index error.
    init(_ error: IndexError) {
        switch error.code {
        case .notFound: self.init(.notFound, error.message)
        case .resourceExhausted: self.init(.resourceExhausted, error.message)
        default: self.init(.invalidArgument, error.message)
        }
    }
}
