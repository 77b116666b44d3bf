/// The limits a request parser enforces, with Redis's defaults.
///
/// A value, so a connection can hold its own and tighten it before `AUTH` (set
/// ``unauthenticated``) and relax it afterwards. Every violation is a protocol error
/// (``RESPError/isProtocolError``): the server replies with Redis's message and closes the
/// connection. A parser never reserves memory for a declared length: buffered bytes grow only
/// with the bytes that actually arrive.
public struct RESPRequestLimits: Sendable, Hashable {
    // MARK: Line lengths

    /// The longest inline command line, in bytes before its `\n` (a `\r` before the `\n`
    /// counts). Default 65,536 (Redis's `PROTO_INLINE_MAX_SIZE`); a longer line is
    /// `Protocol error: too big inline request`.
    public var maxInlineRequestLength: Int = 65_536

    /// The longest `*<count>` or `$<length>` line, in bytes from its `*` or `$` up to the CR.
    /// Default 65,536 (Redis's `PROTO_INLINE_MAX_SIZE`); a longer line is `Protocol error: too big
    /// mbulk count string` or `too big bulk count string`. Lower it only to bound buffering.
    public var maxLengthLineLength: Int = 65_536

    // MARK: Multibulk requests

    /// The most arguments one multibulk request may declare. Default 1,048,576, the limit Redis
    /// had before 7.0 (Redis 7.0 and later, 8.8 included, accept up to 2,147,483,647); a larger
    /// count is `Protocol error: invalid multibulk length`. Raise it for clients that send
    /// million-argument commands; values above `Int32.max` are treated as `Int32.max`.
    public var maxMultibulkCount: Int = 1_048_576

    /// The longest bulk argument. Default 536,870,912 (512 MiB, Redis's `proto-max-bulk-len`); a
    /// longer one is `Protocol error: invalid bulk length`. Lower it to bound per-connection memory.
    public var maxBulkLength: Int = 536_870_912

    // MARK: Before authentication

    /// Tighter limits for a connection that has not authenticated yet, or `nil` (the default)
    /// when no authentication is required. Redis applies these while `requirepass` or ACL users
    /// demand `AUTH`, with their own error strings.
    public var unauthenticated: Unauthenticated? = nil

    /// The caps Redis applies before a client authenticates.
    public struct Unauthenticated: Sendable, Hashable {
        /// The most arguments before `AUTH`. Default 10; more is `Protocol error: unauthenticated
        /// multibulk length`.
        public var maxMultibulkCount: Int = 10
        /// The longest bulk argument before `AUTH`. Default 16,384; longer is `Protocol error:
        /// unauthenticated bulk length`.
        public var maxBulkLength: Int = 16_384

        /// Redis's pre-authentication caps (10 arguments, 16,384-byte bulks).
        public init() {}
    }

    /// Redis's defaults, without pre-authentication caps.
    public init() {}

    /// Redis's defaults (``init()``).
    public static let redisDefaults = RESPRequestLimits()

    /// Redis's defaults plus Redis's pre-authentication caps.
    public static let redisUnauthenticated: RESPRequestLimits = {
        var limits = RESPRequestLimits()
        limits.unauthenticated = Unauthenticated()
        return limits
    }()
}
