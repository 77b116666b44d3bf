#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

extension ServerConfiguration {
    /// The configuration of `quiverd`: the defaults, then the config file's directives (when
    /// `file` is given), then the command line's, so options override the file.
    ///
    /// - Parameters:
    ///   - file: The config file's path and text, or `nil`.
    ///   - commandLine: The options given, as directives without lines.
    /// - Throws: ``ConfigurationError`` naming `FILE:LINE` or the option.
    static func resolve(
        file: (path: String, text: String)?, commandLine: [ConfigDirective]
    ) throws(ConfigurationError) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        if let file {
            for directive in try ConfigFileParser(source: file.path).parse(file.text) {
                try configuration.apply(directive, source: file.path)
            }
        }
        for directive in commandLine { try configuration.apply(directive, source: "command line") }
        return configuration
    }

    /// The text of the file at `path` (read with `open(2)`/`read(2)`, retrying `EINTR`).
    ///
    /// - Throws: ``ConfigurationError`` when it cannot be read or is larger than 16 MiB.
    static func readFile(at path: String) throws(ConfigurationError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ConfigurationError(source: path, message: "cannot open the config file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ConfigurationError(source: path, message: "cannot read the config file: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += chunk[..<count]
            guard bytes.count <= 16 << 20 else { throw ConfigurationError(source: path, message: "the config file is larger than 16 MiB") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
