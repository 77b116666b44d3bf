internal import Quiver
internal import QuiverRESP

/// Generic key commands (types, deletes, expiry, scans).
enum KeyCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("TYPE", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic", summary: "Determines the type of value stored at a key.") {
            context throws(CommandError) in
            .simpleString(try context.keyspace.type(of: context.key(1), daemon: context.daemon)?.rawValue ?? "none")
        },
    ]
}
