internal import Quiver

/// Plain writes of one read burst of a connection, committed together as one atomic batch
/// when the burst ends or a command that is not staged comes: a pipeline of `SET`s costs one log
/// record, not one each.
///
/// A staged command's reply is written at once but reaches the client only after the commit
/// (the output is flushed after it); when the commit fails, ``repliesStart`` says where those
/// replies start, to be replaced by the error.
///
/// A commit writes each key once, with the value of the last `SET` staged for it (across every
/// burst of a group commit): the batch is atomic and readers see it only whole, so the earlier
/// values were never visible to anyone and logging them would change nothing on recovery.
struct WriteBurst {
    /// The strings table the staged sets go to; a burst stages into one table only.
    private(set) var table: Cache?
    private var entries: [(key: Key, value: [UInt8])] = []
    /// How many commands are staged (a set of the key staged just before replaces its entry).
    private(set) var count = 0
    /// The output's writer index before the first staged reply (the connection sets it when
    /// the first command is staged).
    var repliesStart = 0

    /// Whether nothing is staged.
    var isEmpty: Bool { count == 0 }

    /// Starts a burst (which must be empty) that stages into `table`.
    mutating func begin(in table: Cache) { self.table = table }

    /// Stages `value` under `key` in the burst's table (``begin(in:)`` named it).
    mutating func stageSet(_ key: Key, _ value: [UInt8]) {
        count += 1
        if let last = entries.indices.last, entries[last].key == key {
            entries[last].value = value
        } else {
            entries.append((key, value))
        }
    }

    /// Adds what `bursts` staged to `batch` (a group commit of several connections' bursts):
    /// ``merged(_:)``'s sets.
    static func add(_ bursts: some Sequence<WriteBurst>, to batch: inout Batch) {
        for (table, entries) in merged(bursts) { batch.set(entries, inCache: table) }
    }

    /// What `bursts` staged, in order, as runs of sets into one table each, with one set per key
    /// and table: the last one staged for it.
    static func merged(_ bursts: some Sequence<WriteBurst>) -> [(table: String, entries: [(key: Key, value: [UInt8])])] {
        var runs: [(table: String, entries: [(key: Key, value: [UInt8])])] = []
        var merged: [(key: Key, value: [UInt8])] = []
        var positions: [Key: Int] = [:]
        var mergedTable: String?
        func endRun() {
            if let mergedTable, !merged.isEmpty { runs.append((mergedTable, merged)) }
            merged = []
            positions.removeAll(keepingCapacity: true)
        }
        for burst in bursts {
            guard let table = burst.table, !burst.entries.isEmpty else { continue }
            if mergedTable != table.name {
                endRun()
                mergedTable = table.name
            }
            if merged.isEmpty, burst.entries.count == 1 {
                merged = burst.entries  // one set: nothing to merge yet
                continue
            }
            if merged.count == 1, positions.isEmpty { positions[merged[0].key] = 0 }
            for entry in burst.entries {
                let next = merged.count
                let position = Self.position(of: &positions[entry.key, default: next], next: next)
                if position == next { merged.append(entry) } else { merged[position].value = entry.value }
            }
        }
        endRun()
        return runs
    }

    /// The position a key's dictionary slot holds (`next` when it was just added): one lookup
    /// where reading then inserting would take two.
    private static func position(of slot: inout Int, next: Int) -> Int { slot }

    /// Empties the burst (after a group commit took its entries).
    mutating func reset() {
        // A fresh array: the committed batch may still share the old one's storage.
        entries = []
        count = 0
        table = nil
    }

    /// Commits what is staged, as one batch of `database`, and empties the burst; on failure the
    /// entries stay (``count`` says how many replies to replace) until ``reset()``.
    ///
    /// - Throws: The commit's error, as the reply each staged command gets instead of its own.
    mutating func commit(in database: Database) throws(CommandError) {
        guard !entries.isEmpty else { return }
        do { try database.write { Self.add(CollectionOfOne(self), to: &$0) } } catch { throw CommandError(error) }
        reset()
    }
}
