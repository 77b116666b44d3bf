import Testing
import QuiverCLI

/// Expects `body` to throw a `CLIError` with `code`, and returns it.
@discardableResult
func expectCLIError<R>(
    _ code: CLIError.Code, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> R
) -> CLIError? {
    let error = #expect(throws: CLIError.self, comment, sourceLocation: sourceLocation) { _ = try body() }
    if let error {
        #expect(error.code == code, "got \(error.code): \(error.message)", sourceLocation: sourceLocation)
        #expect(!error.message.contains("\n"), "error messages are one line", sourceLocation: sourceLocation)
    }
    return error
}
