/// How a ``WAL`` makes appends durable and recovers; pass it once, at open.
public struct WALConfiguration: Sendable, Hashable {
    /// When an acknowledged append is durable.
    public enum Durability: Sendable, Hashable {
        /// Acknowledge only after `fdatasync` covered the record. Concurrent appends share one
        /// `fdatasync` (group commit). Power loss loses nothing acknowledged.
        case always
        /// `fdatasync` at most once per `interval` (and at least once per `interval` while
        /// anything is unsynced). Power loss loses at most the appends of the last `interval`
        /// plus one `fdatasync`'s duration.
        case interval(Duration)
        /// Never `fdatasync` (the OS writes back when it likes). Power loss may lose any recent
        /// append, but never leaves a log that fails to recover.
        case none

        /// `interval` with the default period, one second (Redis's `appendfsync everysec`).
        public static let everySecond = Durability.interval(.milliseconds(1000))
    }

    // MARK: Durability

    /// When appends are durable. Default ``Durability/always``: every acknowledged append
    /// survives power loss. Choose `.interval` to trade a bounded loss window for throughput on
    /// disks with slow flushes. In every mode the bytes reach the OS (`write(2)` returned) before
    /// an append returns, so a process crash (`kill -9`) loses nothing acknowledged.
    public var durability: Durability = .always

    // MARK: Recovery

    /// What opening does about damaged log bytes. Default ``WALRecoveryMode/tolerateCorruptedTail``;
    /// use ``WALRecoveryMode/skipCorrupted`` only to salvage a damaged store offline.
    public var recoveryMode: WALRecoveryMode = .tolerateCorruptedTail

    // MARK: Group commit

    /// The most payload bytes one group commit writes; default 1 MiB. A larger group amortises
    /// the `fdatasync` over more appends but makes its first append wait longer.
    public var maxGroupBytes: Int = 1 << 20

    /// The default configuration.
    public init() {}
}
