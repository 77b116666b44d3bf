/// What reading a WAL does when it meets damaged bytes (reliability spec §8.0.5 and §8.3).
///
/// Recovery tells a *torn tail* (writes that were never made durable, lost or half-written in a
/// crash) from *corruption* (bytes that had been made durable and then changed) by the `syncedTo`
/// offset each fragment carries: damage is a torn tail when no valid fragment after it claims the
/// damaged bytes had been synced.
public enum WALRecoveryMode: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The default: drop a torn tail and report it; refuse (throw ``StorageError/Code/corruption``
    /// naming the file and offset) when damaged bytes are followed by records written after they
    /// were durable. A single node has no replica to refill such a gap, so it is surfaced, not absorbed.
    case tolerateCorruptedTail
    /// Throw on any damage, even a torn tail. For checking a log that was closed cleanly.
    case absoluteConsistency
    /// Stop at the first damage of any kind and keep the records before it (a consistent prefix);
    /// report what was dropped. Records after the damage are discarded even when valid.
    case pointInTime
    /// Salvage: skip every damaged region, keep every valid record before, between and after
    /// them, and report each skipped region. For the offline repair tool only.
    case skipCorrupted

    /// The mode's name.
    public var description: String {
        switch self {
        case .tolerateCorruptedTail: "tolerateCorruptedTail"
        case .absoluteConsistency: "absoluteConsistency"
        case .pointInTime: "pointInTime"
        case .skipCorrupted: "skipCorrupted"
        }
    }
}
