internal import NIOCore
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

/// What a command that may run off its event loop gives (``CommandSpec/offload``).
enum CommandOutcome {
    /// The reply, computed on the event loop.
    case reply(RESPValue)
    /// Work for the search threads: the reply from what the command captured on the loop.
    case offload(@Sendable () -> Result<RESPValue, CommandError>)
}

/// One command of the server, declared as data (STYLE rule 26): its name, arity, flags, key
/// positions, documentation, and the function that runs it.
///
/// A class, so that handing one from the table to the connection costs one retain.
final class CommandSpec: Sendable {
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
    /// Writes the reply ``run`` would give straight into a connection's output, skipping the
    /// ``RESPValue`` (and its buffers); `nil` for commands that have no such path. For the hottest
    /// reads (`GET`); a queued command in a transaction still goes through ``run``.
    let write: (@Sendable (inout CommandContext, inout ByteBuffer) throws(CommandError) -> Void)?
    /// Stages the command into the connection's ``WriteBurst`` instead of running it, when it
    /// can be (returns `false` to run it as usual); `nil` for commands that never are.
    let stage: (@Sendable (inout CommandContext, inout WriteBurst) throws(CommandError) -> Bool)?
    /// Checks the command on the event loop and hands its expensive part to the search threads
    /// (`search-threads`), as Redis runs `VSIM` on a thread; `nil` for commands that always run
    /// on the loop. A queued command in a transaction still goes through ``run``.
    let offload: (@Sendable (inout CommandContext) throws(CommandError) -> CommandOutcome)?
    /// The lower-case name clients and `COMMAND INFO` use.
    let lowercasedName: String
    /// The UTF-8 bytes of ``name``.
    let nameBytes: [UInt8]

    init(
        _ name: String, arity: Int, flags: CommandFlags, keys: (first: Int, last: Int, step: Int) = (0, 0, 0),
        group: String, summary: String, since: String = "1.0.0", complexity: String = "O(1)",
        subcommands: [CommandSpec] = [],
        stage: (@Sendable (inout CommandContext, inout WriteBurst) throws(CommandError) -> Bool)? = nil,
        write: (@Sendable (inout CommandContext, inout ByteBuffer) throws(CommandError) -> Void)? = nil,
        offload: (@Sendable (inout CommandContext) throws(CommandError) -> CommandOutcome)? = nil,
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
        self.stage = stage
        self.write = write
        self.offload = offload
        self.run = run
        lowercasedName = name.lowercased()
        nameBytes = Array(name.utf8)
    }

    /// Whether `name` is this command's name, ignoring ASCII case.
    func nameMatches(_ name: [UInt8]) -> Bool {
        let upper = nameBytes
        guard name.count == upper.count else { return false }
        for index in 0..<name.count {
            let byte = name[index]
            let folded = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte
            guard folded == upper[index] else { return false }
        }
        return true
    }

    /// Whether `count` arguments (the name included) fit the arity.
    func accepts(argumentCount count: Int) -> Bool { arity >= 0 ? count == arity : count >= -arity }
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

    /// The commands whose names fit a ``ShortCommandName``, for lookups that allocate nothing.
    static let short: [ShortCommandName: CommandSpec] = {
        var table: [ShortCommandName: CommandSpec] = [:]
        for (name, spec) in all {
            if let key = ShortCommandName(Array(name.utf8)) { table[key] = spec }
        }
        return table
    }()

    /// The command `name` names, matched without regard to ASCII case.
    static func lookUp(_ name: [UInt8]) -> CommandSpec? {
        if let key = ShortCommandName(name) { return short[key] }
        return all[CommandArguments.uppercased(name)]
    }
}

/// A command name of at most 16 bytes, upper-cased and packed into two words: the table key of
/// ``CommandTable/lookUp(_:)`` (names are looked up once per command).
struct ShortCommandName: Hashable, Sendable {
    let low: UInt64
    let high: UInt64
    /// Tells apart names that differ only by trailing NUL bytes.
    let count: UInt8

    /// The packed upper-case `name`, or `nil` when it is empty or longer than 16 bytes.
    init?(_ name: [UInt8]) {
        guard !name.isEmpty, name.count <= 16 else { return nil }
        var words: (UInt64, UInt64) = (0, 0)
        for (index, byte) in name.enumerated() {
            let upper = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte
            if index < 8 {
                words.0 |= UInt64(upper) << (8 * UInt64(index))
            } else {
                words.1 |= UInt64(upper) << (8 * UInt64(index - 8))
            }
        }
        low = words.0
        high = words.1
        count = UInt8(name.count)
    }
}
