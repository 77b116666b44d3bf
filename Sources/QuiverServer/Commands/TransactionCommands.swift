internal import Quiver
internal import QuiverRESP

/// `MULTI`, `EXEC`, `DISCARD`, `WATCH`, `UNWATCH`: Redis transactions, each committed as one
/// atomic write batch (see ``TransactionContext``).
///
/// `MULTI` only sets ``ConnectionState/transaction``; the connection handler then queues every
/// command without ``CommandFlags/noMulti`` (replying `QUEUED`, and flagging
/// ``ConnectionState/transactionFailed`` for unknown commands and wrong arities). `EXEC` runs
/// the queue against one transaction and commits its batch once: all of its writes or none,
/// after a crash too, and no reader sees part of it.
enum TransactionCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "MULTI", arity: 1, flags: [.noscript, .loading, .stale, .fast, .noMulti], group: "transactions",
            summary: "Starts a transaction.", since: "1.2.0"
        ) { context throws(CommandError) in
            guard context.connection.transaction == nil else { throw .err("MULTI calls can not be nested") }
            context.connection.transaction = []
            context.connection.transactionFailed = false
            return .ok
        },
        CommandSpec(
            "EXEC", arity: 1, flags: [.noscript, .loading, .stale, .noMulti], group: "transactions",
            summary: "Executes all commands in a transaction, as one atomic write.", since: "1.2.0",
            complexity: "Depends on commands in the transaction"
        ) { context throws(CommandError) in try exec(&context) },
        CommandSpec(
            "DISCARD", arity: 1, flags: [.noscript, .loading, .stale, .fast, .noMulti], group: "transactions",
            summary: "Discards a transaction.", since: "2.0.0",
            complexity: "O(N) where N is the number of queued commands"
        ) { context throws(CommandError) in
            guard context.connection.transaction != nil else { throw .err("DISCARD without MULTI") }
            context.connection.transaction = nil
            context.connection.transactionFailed = false
            TransactionRegistry.shared.takeWatches(context.daemon, context.connection.id)
            return .ok
        },
        CommandSpec(
            "WATCH", arity: -2, flags: [.noscript, .loading, .stale, .fast, .noMulti], keys: (1, -1, 1),
            group: "transactions",
            summary: "Monitors changes to keys to determine the execution of a transaction.", since: "2.2.0",
            complexity: "O(1) for every key."
        ) { context throws(CommandError) in
            let db = context.connection.database
            let targets = (1..<context.arguments.count).map {
                WatchedItem.Target.key(database: db, key: context.key($0))
            }
            return try watch(targets, &context)
        },
        CommandSpec(
            "UNWATCH", arity: 1, flags: [.noscript, .loading, .stale, .fast], group: "transactions",
            summary: "Forgets about watched keys of a transaction.", since: "2.2.0"
        ) { context throws(CommandError) in
            // Inside EXEC the watches were already taken and checked: nothing to forget.
            TransactionRegistry.shared.takeWatches(context.daemon, context.connection.id)
            return .ok
        },
    ]

    /// Watches `targets` for the connection (`WATCH`, `ENTITY.WATCH`, `NOTE.WATCH`,
    /// `CACHE.WATCH`).
    static func watch(
        _ targets: [WatchedItem.Target], _ context: inout CommandContext
    ) throws(CommandError) -> RESPValue {
        guard context.connection.transaction == nil else { throw .err("WATCH inside MULTI is not allowed") }
        var items: [WatchedItem] = []
        for target in targets {
            do { items.append(try WatchedItem(target, daemon: context.daemon)) } catch { throw .wrapping(error) }
        }
        TransactionRegistry.shared.watch(items, context.daemon, context.connection.id)
        return .ok
    }

    // MARK: EXEC

    private static func exec(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        guard let queued = context.connection.transaction else { throw .err("EXEC without MULTI") }
        let failed = context.connection.transactionFailed
        context.connection.transaction = nil
        context.connection.transactionFailed = false
        let daemon = context.daemon
        let client = context.connection.id
        let watches = TransactionRegistry.shared.takeWatches(daemon, client)
        if failed { throw CommandError("EXECABORT Transaction discarded because of previous errors.") }
        // A watched item that already changed: no need to run anything.
        do {
            let snapshot = daemon.database.snapshot()
            for watch in watches where try watch.hasChanged(daemon: daemon, snapshot: snapshot) { return .nullArray }
        } catch {
            throw .wrapping(error)
        }
        let start = context.connection
        for _ in 0..<CommandContext.maximumAttempts {
            let transaction = TransactionContext(daemon: daemon)
            var connection = start
            var replies: [RESPValue] = []
            var action = ReplyAction.none
            TransactionRegistry.shared.withRunning(transaction, daemon, client) {
                for arguments in queued {
                    let (reply, next, nextAction) = runQueued(arguments, daemon: daemon, connection: connection)
                    replies.append(reply)
                    connection = next
                    if nextAction != .none { action = nextAction }
                }
            }
            let outcome: TransactionContext.CommitOutcome
            do { outcome = try transaction.commit(watches: watches) } catch {
                throw .err("EXEC failed and wrote nothing: \(error.message)")
            }
            switch outcome {
            case .committed:
                transaction.runAfterCommitHooks()
                context.connection = connection
                context.action = action
                return .array(replies)
            case .watchedItemChanged:
                return .nullArray
            case .conflicted:
                continue
            }
        }
        throw .err("EXEC kept conflicting with concurrent writes and wrote nothing")
    }

    /// Runs one queued command with the connection as the commands before it left it; returns
    /// its reply (errors as error replies) and the connection after it.
    private static func runQueued(
        _ arguments: [[UInt8]], daemon: Daemon, connection: ConnectionState
    ) -> (RESPValue, ConnectionState, ReplyAction) {
        let started = ContinuousClock.now
        guard var spec = CommandTable.lookUp(arguments[0]) else {
            // Unknown commands abort the transaction when queued; this is only a guard.
            return (
                .simpleError("ERR unknown command '\(String(decoding: arguments[0], as: UTF8.self))'"), connection,
                .none
            )
        }
        if !spec.subcommands.isEmpty, arguments.count >= 2 {
            let name = spec.name + "|" + CommandArguments.uppercased(arguments[1])
            guard let sub = spec.subcommands.first(where: { $0.name == name }) else {
                let text =
                    "ERR unknown subcommand '\(String(decoding: arguments[1], as: UTF8.self))'. Try \(spec.name) HELP."
                return (.simpleError(text), connection, .none)
            }
            spec = sub
        }
        guard spec.accepts(argumentCount: arguments.count) else {
            return (
                .simpleError(CommandError.arity(spec.flags.contains(.module) ? spec.name : spec.lowercasedName).text),
                connection, .none
            )
        }
        var context = CommandContext(daemon: daemon, connection: connection, arguments: arguments)
        let reply: RESPValue
        do { reply = try spec.run(&context) } catch { reply = .simpleError(error.text) }
        let elapsed = ContinuousClock.now - started
        let microseconds =
            Int(elapsed.components.seconds) * 1_000_000 + Int(elapsed.components.attoseconds / 1_000_000_000_000)
        daemon.statistics.recordCommand(spec.lowercasedName, microseconds: microseconds)
        return (reply, context.connection, context.action)
    }
}
