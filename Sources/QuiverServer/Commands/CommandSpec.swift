internal import QuiverRESP

/// Command flags, as `COMMAND INFO` reports them.
struct CommandFlags: OptionSet, Sendable, Hashable {
    let rawValue: UInt32

    static let write = CommandFlags(rawValue: 1 << 0)
    static let readonly = CommandFlags(rawValue: 1 << 1)
    static let denyoom = CommandFlags(rawValue: 1 << 2)
    static let admin = CommandFlags(rawValue: 1 << 3)
    static let noscript = CommandFlags(rawValue: 1 << 4)
    static let loading = CommandFlags(rawValue: 1 << 5)
    static let stale = CommandFlags(rawValue: 1 << 6)
    static let fast = CommandFlags(rawValue: 1 << 7)
    /// Allowed before authentication (`AUTH`, `HELLO`, `QUIT`).
    static let noAuth = CommandFlags(rawValue: 1 << 8)
    static let module = CommandFlags(rawValue: 1 << 9)
    /// Not queued by `MULTI` (`EXEC`, `DISCARD`, `MULTI`, `WATCH`, `QUIT`).
    static let noMulti = CommandFlags(rawValue: 1 << 10)
    /// Refused unless the server runs with `--enable-debug-command`.
    static let debug = CommandFlags(rawValue: 1 << 11)

    /// The names Redis prints, in its order.
    var names: [String] {
        var out: [String] = []
        let table: [(CommandFlags, String)] = [
            (.write, "write"), (.readonly, "readonly"), (.denyoom, "denyoom"), (.module, "module"), (.admin, "admin"),
            (.noscript, "noscript"), (.loading, "loading"), (.stale, "stale"), (.fast, "fast"), (.noAuth, "no_auth"),
        ]
        for (flag, name) in table where contains(flag) { out.append(name) }
        return out
    }
}

/// What happens to the connection after a reply.
enum ReplyAction: Sendable {
    case none
    /// Close once the reply is written (`QUIT`).
    case close
    /// Stop the server (`SHUTDOWN`).
    case shutdown
}

/// One command of the server, declared as data (STYLE rule 26): its name, arity, flags, key
/// positions, documentation, and the function that runs it.
struct CommandSpec: Sendable {
    /// Upper-case name (`GET`; for a subcommand, `CLIENT|SETNAME`).
    let name: String
    /// Redis's convention: `n` exactly n arguments (the name included), `-n` at least n.
    let arity: Int
    let flags: CommandFlags
    /// Position of the first key (0: none), the last (-1: the last argument) and the step.
    let firstKey: Int
    let lastKey: Int
    let keyStep: Int
    /// `string`, `generic`, `connection`, `server`, `module`, `transactions`…
    let group: String
    let summary: String
    let since: String
    let complexity: String
    /// Subcommands (`CLIENT SETNAME`), dispatched on the first argument.
    let subcommands: [CommandSpec]
    let run: @Sendable (inout CommandContext) throws(CommandError) -> RESPValue

    init(
        _ name: String, arity: Int, flags: CommandFlags, keys: (first: Int, last: Int, step: Int) = (0, 0, 0),
        group: String, summary: String, since: String = "1.0.0", complexity: String = "O(1)",
        subcommands: [CommandSpec] = [],
        run: @escaping @Sendable (inout CommandContext) throws(CommandError) -> RESPValue
    ) {
        self.name = name
        self.arity = arity
        self.flags = flags
        self.firstKey = keys.first
        self.lastKey = keys.last
        self.keyStep = keys.step
        self.group = group
        self.summary = summary
        self.since = since
        self.complexity = complexity
        self.subcommands = subcommands
        self.run = run
    }

    /// Whether `count` arguments (the name included) fit the arity.
    func accepts(argumentCount count: Int) -> Bool { arity >= 0 ? count == arity : count >= -arity }

    /// The lower-case name clients and `COMMAND INFO` use.
    var lowercasedName: String { name.lowercased() }
}

/// Every command, by upper-case name: the families' tables together.
enum CommandTable {
    static let all: [String: CommandSpec] = {
        var table: [String: CommandSpec] = [:]
        let families = [
            ServerCommands.specs, ConnectionCommands.specs, ClientCommands.specs, CommandIntrospection.specs,
            InfoCommand.specs, ConfigCommands.specs, DebugCommands.specs, KeyCommands.specs, StringCommands.specs,
            VectorSetCommands.specs, MetadataCommands.specs,
        ]
        for spec in families.joined() {
            precondition(table[spec.name] == nil, "command \(spec.name) declared twice")
            table[spec.name] = spec
        }
        return table
    }()

    /// The command `name` names, matched without regard to ASCII case.
    static func lookUp(_ name: [UInt8]) -> CommandSpec? { all[CommandArguments.uppercased(name)] }
}
