/// A run of record writes into one table, the way a ``WriteBatch`` keeps consecutive puts: the
/// table named once and the records in parallel arrays, so a burst of cache writes is validated,
/// logged and published without an ``WriteBatch/Operation`` per record.
struct RecordPuts: Sendable, Hashable {
    /// The table every record goes to.
    let table: String
    /// The records' keys.
    private(set) var keys: [Key] = []
    /// Their values.
    private(set) var values: [[UInt8]] = []
    /// Their expiry times (wall-clock milliseconds since 1970), 0 for none.
    private(set) var expiries: [Int64] = []

    /// An empty run into `table`.
    init(table: String) { self.table = table }

    /// Adds a record.
    mutating func append(_ key: Key, _ value: [UInt8], expiresAt: Int64) {
        keys.append(key)
        values.append(value)
        expiries.append(expiresAt)
    }
}

extension WriteBatch {
    /// Why a `.single(.put)` step cannot exist: ``append(_:)`` stores every put in a run.
    static let putsAreRuns = "a batch stores its puts as runs (append routes them to put(_:forKey:expiresAt:in:))"

    /// One stored step of a batch: an operation, or a run of puts (an index into the batch's runs).
    enum Step: Sendable, Hashable {
        case single(Operation)
        case puts(Int)
    }
}
