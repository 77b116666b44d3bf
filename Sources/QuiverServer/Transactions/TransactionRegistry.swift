internal import QuiverIndex
internal import Synchronization

/// Per-connection transaction state that ``ConnectionState`` does not hold: the items a client
/// `WATCH`es, and the transaction `EXEC` is running for it (what ``CommandContext/transaction``
/// returns).
///
/// Keyed by the server's run id and the client id, so servers in one process (tests) never
/// share entries. Entries of clients that are gone are pruned on `WATCH`; ``connectionClosed(_:_:)``
/// drops one at once (for the connection handler's `channelInactive`).
final class TransactionRegistry: Sendable {
    /// The registry of the process.
    static let shared = TransactionRegistry()

    struct ConnectionKey: Hashable, Sendable {
        var runID: String
        var client: UInt64
    }

    /// The transaction of a running `EXEC`, handed across only to be used on the event loop
    /// thread of its own connection, while its `EXEC` runs (the only thread that looks it up).
    private struct Running: @unchecked Sendable {
        let context: TransactionContext
    }

    private struct Entry: Sendable {
        var watches: [WatchedItem] = []
        var running: Running?
        var isEmpty: Bool { watches.isEmpty && running == nil }
    }

    private let entries = Locked<[ConnectionKey: Entry]>([:])
    /// Transactions running now, in all servers: zero makes the lookup of every write command
    /// outside `EXEC` one atomic load.
    private let runningCount = Atomic<Int>(0)

    private static func key(_ daemon: Daemon, _ client: UInt64) -> ConnectionKey {
        ConnectionKey(runID: daemon.runID, client: client)
    }

    // MARK: Running transactions

    /// The transaction `EXEC` is running for `client`, if any.
    func running(_ daemon: Daemon, _ client: UInt64) -> TransactionContext? {
        guard runningCount.load(ordering: .acquiring) > 0 else { return nil }
        return entries.withLock { $0[Self.key(daemon, client)]?.running?.context }
    }

    /// Runs `body` with `context` as `client`'s running transaction.
    func withRunning<R, E: Error>(
        _ context: TransactionContext, _ daemon: Daemon, _ client: UInt64, _ body: () throws(E) -> R
    ) throws(E) -> R {
        let key = Self.key(daemon, client)
        entries.withLock { $0[key, default: Entry()].running = Running(context: context) }
        runningCount.add(1, ordering: .releasing)
        defer {
            runningCount.subtract(1, ordering: .releasing)
            entries.withLock { entries in
                entries[key]?.running = nil
                if entries[key]?.isEmpty == true { entries[key] = nil }
            }
        }
        return try body()
    }

    // MARK: Watches

    /// Adds watched items for `client`, and forgets the entries of `daemon`'s clients that are gone.
    func watch(_ items: [WatchedItem], _ daemon: Daemon, _ client: UInt64) {
        let connected = Set(daemon.clients.states.map(\.id))
        entries.withLock { entries in
            for key in entries.keys
            where key.runID == daemon.runID && !connected.contains(key.client) && key.client != client {
                entries[key] = nil
            }
            entries[Self.key(daemon, client), default: Entry()].watches += items
        }
    }

    /// The items `client` watches, removed (`EXEC`, `DISCARD`, `UNWATCH` end watching).
    @discardableResult
    func takeWatches(_ daemon: Daemon, _ client: UInt64) -> [WatchedItem] {
        let key = Self.key(daemon, client)
        return entries.withLock { entries in
            let watches = entries[key]?.watches ?? []
            entries[key]?.watches = []
            if entries[key]?.isEmpty == true { entries[key] = nil }
            return watches
        }
    }

    /// How many items `client` watches.
    func watchCount(_ daemon: Daemon, _ client: UInt64) -> Int {
        entries.withLock { $0[Self.key(daemon, client)]?.watches.count ?? 0 }
    }

    /// Forgets `client`'s state (its connection closed).
    func connectionClosed(_ daemon: Daemon, _ client: UInt64) {
        _ = entries.withLock { $0.removeValue(forKey: Self.key(daemon, client)) }
    }
}
