internal import Synchronization
internal import QuiverIndex
internal import QuiverRESP

/// `CONFIG GET pattern ...`, `CONFIG SET name value ...`, `CONFIG RESETSTAT` and `CONFIG
/// REWRITE` over the parameters of ``ConfigParameter``.
///
/// `CONFIG SET` is all or nothing: every value is checked before any applies. Changes go to
/// the daemon's ``RuntimeSettings`` and last until the server stops.
enum ConfigCommands {
    /// The `CONFIG` container and its subcommands.
    static let spec = CommandSpec(
        "CONFIG", arity: -2, flags: [], group: "server", summary: "A container for server configuration commands.",
        since: "2.0.0", complexity: "Depends on subcommand.",
        subcommands: [
            CommandSpec(
                "CONFIG|GET", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "server",
                summary: "Returns the effective values of configuration parameters.",
                complexity: "O(N) when N is the number of configuration parameters provided", run: get),
            CommandSpec(
                "CONFIG|SET", arity: -4, flags: [.admin, .noscript, .loading, .stale], group: "server",
                summary: "Sets configuration parameters in-flight.", since: "2.0.0",
                complexity: "O(N) when N is the number of configuration parameters provided", run: set),
            CommandSpec(
                "CONFIG|RESETSTAT", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "server",
                summary: "Resets the server's statistics.", since: "2.0.0"
            ) { context throws(CommandError) in
                StatisticsBaseline.reset(context.daemon)
                return .ok
            },
            CommandSpec(
                "CONFIG|REWRITE", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "server",
                summary: "Persists the effective configuration to file.", since: "2.8.0"
            ) { _ throws(CommandError) in throw .err("The server is running without a config file") },
        ]
    ) { _ throws(CommandError) in throw .syntax }

    /// The family's table: `CONFIG`.
    static let specs = [spec]

    /// `CONFIG GET pattern [pattern ...]`: name and value of every parameter a glob matches
    /// (a map in RESP3, pairs in RESP2), each once.
    static func get(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let patterns = context.arguments[2...].map {
            KeyPattern(Array(String(decoding: $0, as: UTF8.self).lowercased().utf8))
        }
        var entries: [(key: RESPValue, value: RESPValue)] = []
        for parameter in ConfigParameter.all where patterns.contains(where: { $0.matches(Array(parameter.name.utf8)) })
        {
            entries.append((.bulkString(parameter.name), .bulkString(parameter.get(context.daemon))))
        }
        return .map(entries)
    }

    /// `CONFIG SET parameter value [parameter value ...]`.
    static func set(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        guard arguments.count % 2 == 0 else { throw .arity("config|set") }
        var changes: [@Sendable (inout RuntimeSettings) -> Void] = []
        var seen: Set<String> = []
        for index in stride(from: 2, to: arguments.count, by: 2) {
            let name = context.text(index)
            guard let parameter = ConfigParameter.named(name) else {
                throw .err("Unknown option or number of arguments for CONFIG SET - '\(name)'")
            }
            guard seen.insert(parameter.name).inserted else { throw failed(name, "duplicate parameter") }
            guard let parse = parameter.parse else { throw failed(name, "can't set immutable config") }
            do { changes.append(try parse(context.text(index + 1))) } catch { throw failed(name, error.reason) }
        }
        let daemon = context.daemon
        let (before, after) = daemon.settings.withLock { settings in
            let before = settings.maxOutputBufferBytes
            for change in changes { change(&settings) }
            daemon.maxMemoryLimit.store(settings.maxMemoryBytes, ordering: .relaxed)
            return (before, settings.maxOutputBufferBytes)
        }
        if after != before { daemon.clients.applyOutputBufferLimit(settings: daemon.settings, logger: daemon.logger) }
        return .ok
    }

    /// `ERR CONFIG SET failed (possibly related to argument 'name') - reason`.
    static func failed(_ name: String, _ reason: String) -> CommandError {
        .err("CONFIG SET failed (possibly related to argument '\(name)') - \(reason)")
    }
}
