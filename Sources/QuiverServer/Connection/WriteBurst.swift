internal import Quiver

/// Plain writes of one read burst of a connection, committed together as one atomic batch
/// when the burst ends or a command that is not staged comes: a pipeline of `SET`s costs one log
/// record, not one each.
///
/// A staged command's reply is written at once but reaches the client only after the commit
/// (the output is flushed after it); when the commit fails, ``repliesStart`` says where those
/// replies start, to be replaced by the error.
struct WriteBurst {
    /// The strings table the staged sets go to; a burst stages into one table only.
    private(set) var table: Cache?
    private var entries: [(key: Key, value: [UInt8])] = []
    /// The output's writer index before the first staged reply (the connection sets it when
    /// the first command is staged).
    var repliesStart = 0

    /// Whether nothing is staged.
    var isEmpty: Bool { entries.isEmpty }

    /// How many commands are staged.
    var count: Int { entries.count }

    /// Starts a burst (which must be empty) that stages into `table`.
    mutating func begin(in table: Cache) { self.table = table }

    /// Stages `value` under `key` in the burst's table (``begin(in:)`` named it).
    mutating func stageSet(_ key: Key, _ value: [UInt8]) {
        entries.append((key, value))
    }

    /// Adds what is staged to `batch` (a group commit of several connections' bursts).
    func add(to batch: inout Batch) {
        guard let table else { return }
        batch.set(entries, inCache: table.name)
    }

    /// Empties the burst (after a group commit took its entries).
    mutating func reset() {
        // A fresh array: the committed batch may still share the old one's storage.
        entries = []
        table = nil
    }

    /// Commits what is staged, as one batch of `database`, and empties the burst; on failure the
    /// entries stay (``count`` says how many replies to replace) until ``reset()``.
    ///
    /// - Throws: The commit's error, as the reply each staged command gets instead of its own.
    mutating func commit(in database: Database) throws(CommandError) {
        guard !entries.isEmpty else { return }
        do { try database.write { add(to: &$0) } } catch { throw CommandError(error) }
        reset()
    }
}
