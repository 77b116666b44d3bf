internal import QuiverRESP

/// `COMMAND`, `COMMAND COUNT|INFO|DOCS|LIST|GETKEYS`: the command table (``CommandTable``)
/// described the way Redis 7 describes its own, for clients and redis-cli's hints.
///
/// Key specifications are derived from each spec's first/last/step key positions (one `range`
/// spec); ACL categories from its flags and group; `DOCS` gives summary, since, group and
/// complexity (and no argument list).
enum CommandIntrospection {
    /// The `COMMAND` container (alone, every command's `INFO` entry) and its subcommands.
    static let spec = CommandSpec(
        "COMMAND", arity: -1, flags: [.loading, .stale], group: "server",
        summary: "Returns detailed information about all commands.", since: "2.8.13",
        complexity: "O(N) where N is the total number of Redis commands",
        subcommands: [
            CommandSpec(
                "COMMAND|COUNT", arity: 2, flags: [.loading, .stale], group: "server",
                summary: "Returns a count of commands.", since: "2.8.13"
            ) { _ throws(CommandError) in .integer(Int64(CommandTable.all.count)) },
            CommandSpec(
                "COMMAND|INFO", arity: -2, flags: [.loading, .stale], group: "server",
                summary: "Returns information about one, multiple or all commands.", since: "2.8.13",
                complexity: "O(N) where N is the number of commands to look up"
            ) { context throws(CommandError) in
                guard context.arguments.count > 2 else { return .array(sorted.map(info)) }
                return .array(context.arguments[2...].map { name in lookUp(name).map(info) ?? .nullBulkString })
            },
            CommandSpec(
                "COMMAND|DOCS", arity: -2, flags: [.loading, .stale], group: "server",
                summary: "Returns documentary information about one, multiple or all commands.", since: "7.0.0",
                complexity: "O(N) where N is the number of commands to look up"
            ) { context throws(CommandError) in
                let specs = context.arguments.count > 2 ? context.arguments[2...].compactMap(lookUp) : sorted
                return .map(specs.map { (.bulkString($0.lowercasedName), docs($0)) })
            },
            CommandSpec(
                "COMMAND|LIST", arity: -2, flags: [.loading, .stale], group: "server",
                summary: "Returns a list of command names.", since: "7.0.0",
                complexity: "O(N) where N is the total number of Redis commands", run: list),
            CommandSpec(
                "COMMAND|GETKEYS", arity: -4, flags: [.loading, .stale], group: "server",
                summary: "Extracts the key names from an arbitrary command.", since: "2.8.13",
                complexity: "O(N) where N is the number of arguments to the command", run: getKeys),
        ]
    ) { _ throws(CommandError) in .array(sorted.map(info)) }

    /// The family's table: `COMMAND`.
    static let specs = [spec]

    /// The top-level commands by name.
    static var sorted: [CommandSpec] { CommandTable.all.values.sorted { $0.name < $1.name } }

    /// The command or subcommand `name` names (`get`, `client|setname`), without regard to case.
    static func lookUp(_ name: [UInt8]) -> CommandSpec? {
        let parts = CommandArguments.uppercased(name).split(separator: "|", maxSplits: 1)
        guard let first = parts.first, let spec = CommandTable.all[String(first)] else { return nil }
        guard parts.count == 2 else { return spec }
        return spec.subcommands.first { $0.name == CommandArguments.uppercased(name) }
    }

    /// The ten-element `COMMAND INFO` entry of `spec`: name, arity, flags, first/last/step key,
    /// ACL categories, tips, key specifications, subcommands.
    static func info(_ spec: CommandSpec) -> RESPValue {
        .array([
            .bulkString(spec.lowercasedName), .integer(Int64(spec.arity)),
            .set(spec.flags.names.map { .simpleString($0) }),
            .integer(Int64(spec.firstKey)), .integer(Int64(spec.lastKey)), .integer(Int64(spec.keyStep)),
            .set(categories(spec).map { .simpleString($0) }), .set([]), .array(keySpecifications(spec)),
            .array(spec.subcommands.map(info)),
        ])
    }

    /// The ACL categories of `spec`, in Redis's order: `@keyspace` for generic commands,
    /// `@write`/`@read`, `@string` for string commands, `@admin`, `@fast` or `@slow`,
    /// `@dangerous` for admin commands, then `@connection` or `@transaction`.
    static func categories(_ spec: CommandSpec) -> [String] {
        var out: [String] = []
        if spec.group == "generic" { out.append("@keyspace") }
        if spec.flags.contains(.write) { out.append("@write") }
        if spec.flags.contains(.readonly) { out.append("@read") }
        if spec.group == "string" { out.append("@string") }
        if spec.flags.contains(.admin) { out.append("@admin") }
        out.append(spec.flags.contains(.fast) ? "@fast" : "@slow")
        if spec.flags.contains(.admin) { out.append("@dangerous") }
        if spec.group == "connection" { out.append("@connection") }
        if spec.group == "transactions" { out.append("@transaction") }
        return out
    }

    /// One `range` key specification from the key positions, none for a command without keys.
    static func keySpecifications(_ spec: CommandSpec) -> [RESPValue] {
        guard spec.firstKey > 0 else { return [] }
        let flags: [String] =
            spec.flags.contains(.write)
            ? ["RW", "update"] : spec.flags.contains(.readonly) ? ["RO", "access"] : ["RO"]
        let lastKey = spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey
        return [
            .map([
                (.bulkString("flags"), .set(flags.map { .simpleString($0) })),
                (
                    .bulkString("begin_search"),
                    .map([
                        (.bulkString("type"), .bulkString("index")),
                        (.bulkString("spec"), .map([(.bulkString("index"), .integer(Int64(spec.firstKey)))])),
                    ])
                ),
                (
                    .bulkString("find_keys"),
                    .map([
                        (.bulkString("type"), .bulkString("range")),
                        (
                            .bulkString("spec"),
                            .map([
                                (.bulkString("lastkey"), .integer(Int64(lastKey))),
                                (.bulkString("keystep"), .integer(Int64(spec.keyStep))),
                                (.bulkString("limit"), .integer(0)),
                            ])
                        ),
                    ])
                ),
            ])
        ]
    }

    /// The `COMMAND DOCS` map of `spec`.
    static func docs(_ spec: CommandSpec) -> RESPValue {
        var entries: [(key: RESPValue, value: RESPValue)] = [
            (.bulkString("summary"), .bulkString(spec.summary)),
            (.bulkString("since"), .bulkString(spec.since)),
            (.bulkString("group"), .bulkString(spec.group)),
            (.bulkString("complexity"), .bulkString(spec.complexity)),
        ]
        if !spec.subcommands.isEmpty {
            entries.append(
                (.bulkString("subcommands"), .map(spec.subcommands.map { (.bulkString($0.lowercasedName), docs($0)) })))
        }
        return .map(entries)
    }

    /// `COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]`: every command
    /// and subcommand name.
    static func list(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        var all: [CommandSpec] = []
        for spec in sorted {
            all.append(spec)
            all += spec.subcommands
        }
        let arguments = context.arguments
        if arguments.count > 2 {
            guard arguments.count == 5, CommandArguments.matches(arguments[2], "FILTERBY") else { throw .syntax }
            let value = arguments[4]
            switch CommandArguments.uppercased(arguments[3]) {
            case "MODULE":
                all = all.filter { $0.flags.contains(.module) && CommandArguments.matches(value, "VECTORSET") }
            case "ACLCAT":
                let category = "@" + String(decoding: value, as: UTF8.self).lowercased()
                all = all.filter { categories($0).contains(category) }
            case "PATTERN":
                let pattern = KeyPattern(Array(String(decoding: value, as: UTF8.self).lowercased().utf8))
                all = all.filter { pattern.matches(Array($0.lowercasedName.utf8)) }
            default: throw .syntax
            }
        }
        return .array(all.map { .bulkString($0.lowercasedName) })
    }

    /// `COMMAND GETKEYS command [arg ...]`: the keys of the command given, by its key positions.
    static func getKeys(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let target = Array(context.arguments[2...])
        guard var spec = CommandTable.lookUp(target[0]) else { throw .err("Invalid command specified") }
        if !spec.subcommands.isEmpty, target.count > 1 {
            let name = spec.name + "|" + CommandArguments.uppercased(target[1])
            guard let sub = spec.subcommands.first(where: { $0.name == name }) else {
                throw .err("Invalid command specified")
            }
            spec = sub
        }
        guard spec.firstKey > 0 else { throw .err("The command has no key arguments") }
        guard spec.accepts(argumentCount: target.count) else {
            throw .err("Invalid number of arguments specified for command")
        }
        let last = spec.lastKey < 0 ? target.count + spec.lastKey : min(spec.lastKey, target.count - 1)
        guard spec.firstKey <= last else { return .array([]) }
        return .array(
            stride(from: spec.firstKey, through: last, by: max(spec.keyStep, 1)).map { .bulkString(bytes: target[$0]) })
    }
}
