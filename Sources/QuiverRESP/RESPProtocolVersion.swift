/// The reply protocol a connection speaks: RESP2 until the client sends `HELLO 3`.
///
/// Requests are the same in both versions; only replies differ. ``RESPEncoder`` downgrades RESP3
/// types for RESP2 connections the way Redis does.
public enum RESPProtocolVersion: Int, Sendable, Hashable, CaseIterable {
    /// RESP2, the default of every new connection and of redis-py before 8.
    case resp2 = 2
    /// RESP3, chosen by `HELLO 3` (redis-py 8 sends it on connect).
    case resp3 = 3
}
