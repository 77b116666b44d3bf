public import NIOCore

/// What ``RESPRequestDecoder`` passes down the pipeline: a command, or the protocol error that
/// ends the connection.
///
/// The error travels in band, after every command parsed before it, so a server that answers
/// commands in order answers those first, then sends ``RESPError/replyBytes`` and closes the
/// connection (Redis's `CLIENT_CLOSE_AFTER_REPLY`). Nothing follows a `protocolError`.
public enum RESPRequest: Sendable, Hashable {
    /// A command: its arguments, the first being the command name. Never empty.
    case command([ByteBuffer])
    /// The client broke the protocol: reply with the error and close the connection.
    case protocolError(RESPError)
}
