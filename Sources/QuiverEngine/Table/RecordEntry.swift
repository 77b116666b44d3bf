/// A record read from a table.
public struct Record: Sendable, Hashable {
    /// Its key.
    public var key: Key
    /// Its bytes.
    public var value: [UInt8]
    /// When it expires (wall-clock milliseconds since 1970), or `nil` for never.
    public var expiresAt: Int64?
}

/// What a table's memtable or frozen part holds under a key: a value or a removal.
struct RecordEntry: Sendable, Hashable {
    /// The value, `nil` for a removal (which hides older parts' values).
    var value: [UInt8]?
    /// Expiry in wall-clock milliseconds since 1970; 0 for never.
    var expiresAt: Int64
    var sequence: UInt64

    /// Whether a reader at wall-clock time `now` sees a value.
    @inline(__always)
    func isLive(at now: Int64) -> Bool { value != nil && (expiresAt == 0 || expiresAt > now) }
}
