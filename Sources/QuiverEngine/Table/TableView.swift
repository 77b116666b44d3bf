/// A record table as one snapshot sees it: the memtable's map published up to the snapshot and
/// the immutable parts, newest first.
struct TableView: Sendable {
    let definition: TableDefinition
    var entries = SortedMap<RecordEntry>()
    /// Approximate bytes of keys and values in `entries`, for the flush threshold.
    var memtableBytes = 0
    /// Frozen memtables and segments, newest first.
    var frozen: [RecordPart]

    init(_ definition: TableDefinition, frozen: [RecordPart] = []) {
        self.definition = definition
        self.frozen = frozen.sorted { $0.number > $1.number }
    }

    /// The newest entry for `key` across the parts (live, expired or a removal).
    func entry(_ key: [UInt8]) throws(EngineError) -> RecordEntry? {
        if let entry = entries[key] { return entry }
        for part in frozen {
            if let entry = try part.entry(key) { return entry }
        }
        return nil
    }

    func record(_ key: [UInt8], now: Int64) throws(EngineError) -> Record? {
        guard let entry = try entry(key), entry.isLive(at: now), let value = entry.value else { return nil }
        return Record(key: Key(key), value: value, expiresAt: entry.expiresAt == 0 ? nil : entry.expiresAt)
    }

    /// Calls `body` with each live record whose key is in `[lowerBound, upperBound)`, in key
    /// order, until it returns `false`: a merge of the parts in which the newest entry of a key wins.
    func scan(
        from lowerBound: [UInt8]?, below upperBound: [UInt8]?, now: Int64, _ body: (Record) throws -> Bool
    ) throws {
        var cursors = [RecordCursor(map: entries, from: lowerBound)]
        for part in frozen { cursors.append(try RecordCursor(part: part, from: lowerBound)) }
        while true {
            var best: (index: Int, key: [UInt8])?
            for i in cursors.indices {
                guard let key = cursors[i].current?.key else { continue }
                if best == nil || compareKeys(key, best!.key) < 0 { best = (i, key) }
            }
            guard let (winner, key) = best else { return }
            if let upperBound, compareKeys(key, upperBound) >= 0 { return }
            let entry = cursors[winner].current!.entry
            for i in cursors.indices where cursors[i].current.map({ compareKeys($0.key, key) == 0 }) == true {
                try cursors[i].advance()
            }
            if entry.isLive(at: now), let value = entry.value {
                guard try body(Record(key: Key(key), value: value, expiresAt: entry.expiresAt == 0 ? nil : entry.expiresAt))
                else { return }
            }
        }
    }
}

/// Walks one part of a table in key order, removals and expired entries included.
struct RecordCursor {
    private enum Source {
        case map(SortedMap<RecordEntry>.Cursor)
        case mapped(MappedRecords, next: Int)
    }

    private var source: Source
    private(set) var current: (key: [UInt8], entry: RecordEntry)?

    init(map: SortedMap<RecordEntry>, from lowerBound: [UInt8]?) {
        source = .map(SortedMap<RecordEntry>.Cursor(map, from: lowerBound))
        try! advance()  // a map cursor cannot fail
    }

    init(part: RecordPart, from lowerBound: [UInt8]?) throws(EngineError) {
        switch part.source {
        case .memory(let map): source = .map(SortedMap<RecordEntry>.Cursor(map, from: lowerBound))
        case .mapped(let records):
            let start = lowerBound.map { bound in bound.withUnsafeBytes { records.keys.lowerBound($0).index } } ?? 0
            source = .mapped(records, next: start)
        }
        try advance()
    }

    mutating func advance() throws(EngineError) {
        switch source {
        case .map(var cursor):
            current = cursor.next().map { ($0.key, $0.value) }
            source = .map(cursor)
        case .mapped(let records, let next):
            if let key = records.keys.key(at: next), let entry = try records.entry(at: next) {
                current = (key, entry)
            } else {
                current = nil
            }
            source = .mapped(records, next: next + 1)
        }
    }
}
