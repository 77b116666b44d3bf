internal import QuiverEngine

extension CLIError {
    /// The CLI error for an engine error met while reading a data directory: a missing directory
    /// exits 66, a directory in use or an I/O failure 74, stored damage 65.
    init(_ error: EngineError) {
        switch error.code {
        case .notFound: self.init(.notFound, error.message)
        case .corruption: self.init(.corruption, error.message)
        case .unsupported: self.init(.unsupported, error.message)
        case .invalidArgument: self.init(.invalidArgument, error.message)
        case .resourceExhausted: self.init(.resourceExhausted, error.message)
        case .locked, .io, .readOnly, .alreadyExists: self.init(.io, error.message)
        }
    }
}
