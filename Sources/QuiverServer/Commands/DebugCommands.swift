internal import QuiverRESP

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// `DEBUG RELOAD`, `DEBUG DIGEST-VALUE key ...`, `DEBUG SLEEP seconds` and `DEBUG HELP`: the
/// subcommands tests drive, refused (by the dispatch, through ``CommandFlags/debug``) unless the
/// server runs with `--enable-debug-command`.
///
/// `DEBUG` is one command whose first argument picks the action, as in Redis, so that every
/// use of it, an unknown subcommand included, meets the gate first.
enum DebugCommands {
    /// `DEBUG`, flagged ``CommandFlags/debug``.
    static let spec = CommandSpec(
        "DEBUG", arity: -2, flags: [.admin, .noscript, .loading, .stale, .debug], group: "server",
        summary: "A container for debugging commands.", complexity: "Depends on subcommand.", run: debug)

    /// The family's table: `DEBUG`.
    static let specs = [spec]

    /// The lines of `DEBUG HELP`.
    static let help = [
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "RELOAD",
        "    Flush everything to disk, close the database and open it again from its files.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        "HELP",
        "    Print this help.",
    ]

    /// Runs the subcommand `arguments[1]` names.
    static func debug(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        let subcommand = CommandArguments.uppercased(arguments[1])
        switch (subcommand, arguments.count) {
        case ("HELP", 2):
            return .array(help.map { .simpleString($0) })
        case ("RELOAD", _):
            try context.daemon.reloadDatabase()
            return .ok
        case ("DIGEST-VALUE", _):
            var digests: [RESPValue] = []
            for index in 2..<arguments.count {
                let digest = try KeyDigest.digest(of: context.key(index), in: context.keyspace, daemon: context.daemon)
                digests.append(.simpleString(KeyDigest.hex(digest)))
            }
            return .array(digests)
        case ("SLEEP", 3):
            guard let seconds = CommandArguments.double(arguments[2]), seconds >= 0, seconds < 3600 else {
                throw .notFloat
            }
            let microseconds = UInt32(seconds * 1_000_000)
            if microseconds > 0 { usleep(microseconds) }
            return .ok
        default:
            throw .err("unknown subcommand or wrong number of arguments for '\(context.text(1))'. Try DEBUG HELP.")
        }
    }
}
