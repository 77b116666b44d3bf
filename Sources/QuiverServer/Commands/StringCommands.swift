internal import Quiver
internal import QuiverRESP

/// String commands over the logical database's strings table.
enum StringCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("GET", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "string", summary: "Returns the string value of a key.") {
            context throws(CommandError) in
            let key = context.key(1)
            if let value = try context.keyspace.strings(in: context.database).get(key) { return .bulkString(bytes: value) }
            if context.daemon.vectorSets.info(context.connection.database, key) != nil { throw .wrongType }
            return .nullBulkString
        },
    ]
}
