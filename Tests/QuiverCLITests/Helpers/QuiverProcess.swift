import Foundation

/// Runs the built `quiver` executable as a subprocess.
enum QuiverProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String

        /// Standard error's lines, without the final newline's empty line.
        var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
    }

    /// The `quiver` binary in the products directory that holds this test bundle, if built.
    static let executable: URL? = {
        let candidates = [
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")).map { URL(fileURLWithPath: $0) },
            Bundle.main.executableURL,
            URL(fileURLWithPath: CommandLine.arguments[0]),
        ]
        for candidate in candidates.compactMap({ $0 }) {
            var directory = candidate.deletingLastPathComponent()
            // A test bundle may be a directory (`X.xctest/Contents/MacOS/X` on macOS).
            for _ in 0..<4 {
                let binary = directory.appendingPathComponent("quiver")
                if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
                directory = directory.deletingLastPathComponent()
            }
        }
        return nil
    }()

    /// Runs `quiver arguments` in `directory` and collects its output.
    static func run(_ arguments: [String], in directory: URL? = nil) throws -> Result {
        guard let executable else { throw MissingExecutable() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()
        group.enter()
        DispatchQueue.global().async {
            errorData = error.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData, as: UTF8.self))
    }

    struct MissingExecutable: Error, CustomStringConvertible {
        var description: String { "the quiver executable is not next to the test bundle; run `swift build` first" }
    }
}
