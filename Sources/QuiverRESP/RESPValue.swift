/// A value of the Redis serialization protocol (RESP2 and RESP3).
public enum RESPValue: Sendable, Hashable {
    /// `+OK`: a simple string.
    case simpleString(String)
}
