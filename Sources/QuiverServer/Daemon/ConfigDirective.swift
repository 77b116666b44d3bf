/// One setting: a config-file line (`maxmemory 100mb`) or a command-line option
/// (`--maxmemory 100mb`), as its key and the words after it.
struct ConfigDirective: Sendable, Hashable {
    /// The key, lower-cased (`maxmemory`).
    var key: String
    /// The words after the key, quotes removed.
    var arguments: [String]
    /// The 1-based line of a config file; `nil` for the command line.
    var line: Int?

    /// A directive setting `key` to `arguments`, from `line` of a file when given.
    init(key: String, arguments: [String], line: Int? = nil) {
        self.key = key.lowercased()
        self.arguments = arguments
        self.line = line
    }
}
