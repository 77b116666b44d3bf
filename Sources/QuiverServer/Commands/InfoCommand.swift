internal import QuiverRESP

/// `INFO [section ...]`: the server's state as Redis's text report (``InfoSections``), a
/// verbatim string in RESP3 and a bulk string in RESP2.
///
/// Without arguments, or with `default`, every section but `commandstats` (Redis 7's default);
/// `all` adds it; `everything` is `all` here (quiverd has no modules). Section names are
/// case-insensitive; unknown ones are skipped, as in Redis.
enum InfoCommand {
    /// `INFO`.
    static let spec = CommandSpec(
        "INFO", arity: -1, flags: [.loading, .stale], group: "server",
        summary: "Returns information and statistics about the server.",
        complexity: "O(1), O(keys) for the keyspace section", run: info)

    /// The family's table: `INFO`.
    static let specs = [spec]

    /// `INFO [section ...]`: the chosen sections' text.
    static func info(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        var wanted: Set<String> = []
        if context.arguments.count == 1 { wanted.insert("default") }
        for index in 1..<context.arguments.count { wanted.insert(context.text(index).lowercased()) }
        let sections = InfoSections.all.filter { section in
            wanted.contains(section.name) || wanted.contains("all") || wanted.contains("everything")
                || (section.isDefault && wanted.contains("default"))
        }
        return ClientCommands.text(InfoSections.render(sections.map(\.name), daemon: context.daemon))
    }
}
