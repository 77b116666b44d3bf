package import ArgumentParser
internal import Foundation

/// The `quiver` command-line tool.
///
/// Errors are printed as one line, `quiver: error: <message>`, with a documented exit status.
package struct QuiverCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "quiver",
        abstract: "Tools for the Quiver vector database engine.",
        discussion: """
            EXIT STATUS
              0   success
              1   quiver verify found damage
              64  bad command-line arguments (EX_USAGE)
              65  malformed or unsupported input data (EX_DATAERR)
              66  an input file does not exist (EX_NOINPUT)
              70  internal error (EX_SOFTWARE)
              71  the input does not fit in memory (EX_OSERR)
              74  a file could not be read or written (EX_IOERR)
            """,
        subcommands: [Bench.self, Inspect.self, Verify.self, WALDumpCommand.self])

    /// Creates the root command (ArgumentParser fills it in).
    package init() {}

    /// Runs `quiver` with the process's arguments and exits with its status.
    package static func main() async {
        let status = await execute(arguments: Array(CommandLine.arguments.dropFirst()))
        fflush(nil)
        Foundation.exit(status)
    }

    /// Parses and runs `arguments`, printing results to standard output and any error as one line
    /// on standard error.
    ///
    /// - Returns: the exit status (see the command's discussion).
    package static func execute(arguments: [String]) async -> Int32 {
        do {
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as CLIError {
            reportError(error.message)
            return error.code.exitCode
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // Help and other clean exits print to standard output.
                let text = fullMessage(for: error)
                if !text.isEmpty { print(text) }
                return 0
            }
            let message = self.message(for: error)
            if !message.isEmpty {
                let command = arguments.first.flatMap { first in configuration.subcommands.first { $0._commandName == first } }
                let help = command.map { "quiver \($0._commandName) --help" } ?? "quiver --help"
                reportError("\(message) (see '\(help)')")
            }
            return code.rawValue
        }
    }

    /// Writes `quiver: error: <message>` as a single line on standard error.
    static func reportError(_ message: String) {
        let oneLine = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
        FileHandle.standardError.write(Data("quiver: error: \(oneLine)\n".utf8))
    }

    /// Writes a progress note on standard error.
    static func note(_ message: String) {
        FileHandle.standardError.write(Data("quiver: \(message)\n".utf8))
    }
}
