internal import Quiver
internal import QuiverRESP

/// Connection and server commands: what clients send on connect and operators use.
enum ServerCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("PING", arity: -1, flags: [.fast, .stale], group: "connection", summary: "Returns the server's liveliness response.") {
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
        CommandSpec("QUIT", arity: -1, flags: [.noAuth, .fast, .noMulti], group: "connection", summary: "Closes the connection.") {
            context throws(CommandError) in
            context.action = .close
            return .ok
        },
        CommandSpec("SELECT", arity: 2, flags: [.fast, .loading, .stale], group: "connection", summary: "Changes the selected database.") {
            context throws(CommandError) in
            guard let index = CommandArguments.integer(context.argument(1)) else { throw .notInteger }
            guard (0..<16).contains(index) else { throw .err("DB index is out of range") }
            context.connection.database = Int(index)
            return .ok
        },
    ]
}

