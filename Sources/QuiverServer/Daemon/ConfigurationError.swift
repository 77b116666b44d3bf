/// A setting of `quiverd` that cannot be used: an unknown config-file key, a bad value, an
/// unreadable file. Its description names where the setting came from (`FILE:LINE` or the
/// command-line option), so the operator can fix it.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file, or `command line`.
    public var source: String
    /// The 1-based line in ``source``, `nil` for the command line or the whole file.
    public var line: Int?
    /// What is wrong.
    public var message: String

    /// An error in `source` (at `line`) saying `message`.
    public init(source: String, line: Int? = nil, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message`, or `SOURCE: message` without a line.
    public var description: String {
        if let line { return "\(source):\(line): \(message)" }
        return "\(source): \(message)"
    }
}
