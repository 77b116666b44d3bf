internal import Quiver
internal import QuiverRESP

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Connection and server commands: what clients send on connect and operators use.
enum ServerCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "PING", arity: -1, flags: [.fast, .stale], group: "connection",
            summary: "Returns the server's liveliness response."
        ) {
            context throws(CommandError) in
            switch context.arguments.count {
            case 1: return .simpleString("PONG")
            case 2: return .bulkString(bytes: context.argument(1))
            default: throw .arity("ping")
            }
        },
        CommandSpec("ECHO", arity: 2, flags: [.fast], group: "connection", summary: "Returns the given string.") {
            context throws(CommandError) in .bulkString(bytes: context.argument(1))
        },
        CommandSpec(
            "QUIT", arity: -1, flags: [.noAuth, .fast, .noMulti], group: "connection", summary: "Closes the connection."
        ) {
            context throws(CommandError) in
            context.action = .close
            return .ok
        },
        CommandSpec(
            "SELECT", arity: 2, flags: [.fast, .loading, .stale], group: "connection",
            summary: "Changes the selected database."
        ) {
            context throws(CommandError) in
            guard let index = CommandArguments.integer(context.argument(1)) else { throw .notInteger }
            guard (0..<16).contains(index) else { throw .err("DB index is out of range") }
            context.connection.database = Int(index)
            return .ok
        },
        CommandSpec(
            "TIME", arity: 1, flags: [.loading, .stale, .fast], group: "server", summary: "Returns the server time.",
            since: "2.6.0"
        ) { _ throws(CommandError) in
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            return .array([.bulkString("\(now.tv_sec)"), .bulkString("\(now.tv_nsec / 1000)")])
        },
        CommandSpec(
            "SHUTDOWN", arity: -1, flags: [.admin, .noscript, .loading, .stale, .noMulti], group: "server",
            summary: "Synchronously saves the database(s) to disk and shuts down the Redis server.",
            complexity: "O(N) when saving, where N is the total number of keys in all databases", run: shutdown),
    ]

    /// `SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]`: stops the server, which closes the database
    /// (flushing every write to its files, whatever the durability) and exits 0.
    ///
    /// As in Redis, a successful `SHUTDOWN` has no reply: the connection closes before one is
    /// written (redis-py's `shutdown()` expects exactly that). `NOSAVE` changes nothing, since
    /// every acknowledged write is already in the log; `ABORT` has no shutdown to cancel.
    static func shutdown(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        var save = false
        var noSave = false
        var abort = false
        for index in 1..<context.arguments.count {
            let option = context.argument(index)
            if CommandArguments.matches(option, "SAVE") {
                save = true
            } else if CommandArguments.matches(option, "NOSAVE") {
                noSave = true
            } else if CommandArguments.matches(option, "ABORT") {
                abort = true
            } else if !CommandArguments.matches(option, "NOW"), !CommandArguments.matches(option, "FORCE") {
                throw .syntax
            }
        }
        guard !(save && noSave), !abort || context.arguments.count == 2 else { throw .syntax }
        if abort { throw .err("No shutdown in progress.") }
        _ = context.daemon.clients.kill(context.connection.id)
        context.action = .shutdown
        return .ok
    }
}
