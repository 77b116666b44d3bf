/// An error reply: sent to the client as `-PREFIX message`, never closing the connection (protocol
/// errors, which do, are the decoder's).
public struct CommandError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reply text after the `-`: `ERR wrong number of arguments for 'get' command`.
    public let text: String

    /// An error reply of `text` (which must start with its prefix, `ERR`, `WRONGTYPE`, …).
    public init(_ text: String) { self.text = text }

    /// `ERR message`.
    public static func err(_ message: String) -> CommandError { CommandError("ERR " + message) }

    /// `ERR wrong number of arguments for 'NAME' command`.
    public static func arity(_ name: String) -> CommandError { .err("wrong number of arguments for '\(name)' command") }

    /// `ERR syntax error`.
    public static let syntax = CommandError.err("syntax error")
    /// `ERR value is not an integer or out of range`.
    public static let notInteger = CommandError.err("value is not an integer or out of range")
    /// `ERR value is not a valid float`.
    public static let notFloat = CommandError.err("value is not a valid float")
    /// `WRONGTYPE Operation against a key holding the wrong kind of value`.
    public static let wrongType = CommandError("WRONGTYPE Operation against a key holding the wrong kind of value")
    /// `NOAUTH Authentication required.`
    public static let noAuth = CommandError("NOAUTH Authentication required.")

    /// The reply text.
    public var description: String { text }
}
