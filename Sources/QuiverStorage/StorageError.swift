public import SystemPackage

/// An error raised by the storage engine: what kind of failure, where, and a one-line reason.
///
/// Codes form a small vocabulary modelled on LevelDB's `Status` (`corruption`, `io(_:)`,
/// `invalidArgument`, `notFound`, `unsupported`, `resourceExhausted`, `readOnly`). Match them the
/// way you match an errno: `catch StorageError.corruption`, `catch StorageError.io(.noSpace)`.
/// The message never contains record payloads.
public struct StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure: what the caller can do about it, not which code path failed.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case corruption, io(Errno), invalidArgument, notFound, unsupported, resourceExhausted, readOnly
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// Stored bytes failed a checksum or do not follow the format: the data cannot be trusted.
        public static let corruption = Code(.corruption)
        /// The operating system reported `errno` (for example `EIO`, `ENOSPC`).
        public static func io(_ errno: Errno) -> Code { Code(.io(errno)) }
        /// An argument was malformed (a record too large, a bad file name, a closed log).
        public static let invalidArgument = Code(.invalidArgument)
        /// The file or directory does not exist.
        public static let notFound = Code(.notFound)
        /// The data was written by a newer format version, or the platform lacks a feature.
        public static let unsupported = Code(.unsupported)
        /// A limit was reached (file size, record count) or memory could not be had.
        public static let resourceExhausted = Code(.resourceExhausted)
        /// An earlier failure (a failed `fsync`) made the store refuse writes until it is reopened.
        public static let readOnly = Code(.readOnly)

        /// The operating-system error for ``io(_:)`` codes, `nil` for the others.
        public var errno: Errno? {
            if case .io(let errno) = value { return errno }
            return nil
        }

        /// The code's name, with the errno for I/O errors.
        public var description: String {
            switch value {
            case .corruption: "corruption"
            case .io(let errno): "I/O error (\(errno))"
            case .invalidArgument: "invalid argument"
            case .notFound: "not found"
            case .unsupported: "unsupported"
            case .resourceExhausted: "resource exhausted"
            case .readOnly: "read-only"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// What was wrong, in one line; never contains record payloads.
    public let message: String
    /// The file involved, when there is one.
    public let file: FilePath?
    /// The byte offset in ``file`` where the problem was found, when known.
    public let offset: Int64?

    /// Creates an error of `code` with a one-line message and optional location.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: One line saying what went wrong; no user data.
    ///   - file: The file involved.
    ///   - offset: The byte offset in `file` where the problem is.
    public init(_ code: Code, _ message: String, file: FilePath? = nil, offset: Int64? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.offset = offset
    }

    /// `code: message (file at offset)`.
    public var description: String {
        var text = "\(code): \(message)"
        switch (file, offset) {
        case (let file?, let offset?): text += " (\(file) at offset \(offset))"
        case (let file?, nil): text += " (\(file))"
        case (nil, let offset?): text += " (at offset \(offset))"
        case (nil, nil): break
        }
        return text
    }

    // MARK: Codes as patterns

    /// Matches ``Code/corruption``.
    public static let corruption = Code.corruption
    /// Matches ``Code/io(_:)`` with this errno.
    public static func io(_ errno: Errno) -> Code { Code.io(errno) }
    /// Matches ``Code/invalidArgument``.
    public static let invalidArgument = Code.invalidArgument
    /// Matches ``Code/notFound``.
    public static let notFound = Code.notFound
    /// Matches ``Code/unsupported``.
    public static let unsupported = Code.unsupported
    /// Matches ``Code/resourceExhausted``.
    public static let resourceExhausted = Code.resourceExhausted
    /// Matches ``Code/readOnly``.
    public static let readOnly = Code.readOnly

    /// This error with `file` (and `offset`, when given) filled in where they were missing.
    package func at(_ file: FilePath, offset: Int64? = nil) -> StorageError {
        StorageError(code, message, file: self.file ?? file, offset: self.offset ?? offset)
    }

    /// The error for a failed system call: `ENOENT` becomes ``Code/notFound``, anything else ``Code/io(_:)``.
    package static func system(_ errno: Errno, _ operation: String, file: FilePath? = nil, offset: Int64? = nil) -> StorageError {
        let code: Code = errno == .noSuchFileOrDirectory ? .notFound : .io(errno)
        return StorageError(code, "\(operation) failed: \(errno)", file: file, offset: offset)
    }
}

extension StorageError.Code {
    /// Lets `catch StorageError.corruption` (or `case .corruption` on ``StorageError/code``) match
    /// an error by its code.
    public static func ~= (pattern: StorageError.Code, error: any Error) -> Bool {
        (error as? StorageError)?.code == pattern
    }
}
