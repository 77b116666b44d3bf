internal import Foundation

/// The version quiver reports in bench results.
package enum BuildVersion {
    /// The package version, used when git cannot describe the source tree.
    package static let package = "0.1.0"

    /// `git describe --always --dirty` of the source tree this binary was built from, else
    /// ``package``.
    ///
    /// The tree is found from this file's compile-time path, so the answer does not depend on the
    /// working directory; a binary copied away from its sources reports the package version.
    package static let current: String = {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: sources.path) else { return package }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", sources.path, "describe", "--always", "--dirty"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return package
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return package }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? package : text
    }()
}
