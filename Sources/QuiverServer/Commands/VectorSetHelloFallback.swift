internal import QuiverIndex
internal import QuiverRESP

/// A minimal `HELLO [2|3 [AUTH user pass] [SETNAME name]]`, declared only while the server
/// family (``ServerCommands``) has none, so that the vector-set commands can be driven over RESP3
/// by redis-py 8 (which sends `HELLO 3` on connect) before the server core's `HELLO` lands.
///
/// It disappears by itself once ``ServerCommands`` declares `HELLO`; delete this file then.
enum VectorSetHelloFallback {
    static let specs: [CommandSpec] = {
        guard !ServerCommands.specs.contains(where: { $0.name == "HELLO" }) else { return [] }
        return [
            CommandSpec(
                "HELLO", arity: -1, flags: [.noAuth, .fast, .loading, .stale], group: "connection",
                summary: "Handshakes with the server.", since: "6.0.0", run: hello)
        ]
    }()

    static func hello(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        var version = context.connection.protocolVersion
        var index = 1
        if arguments.count > 1 {
            guard let requested = CommandArguments.integer(arguments[1]) else {
                throw .err("Protocol version is not an integer or out of range")
            }
            guard let chosen = RESPProtocolVersion(rawValue: Int(clamping: requested)) else {
                throw CommandError("NOPROTO unsupported protocol version")
            }
            version = chosen
            index = 2
        }
        var name: [UInt8]?
        while index < arguments.count {
            if CommandArguments.matches(arguments[index], "AUTH"), index + 2 < arguments.count {
                let password = String(decoding: arguments[index + 2], as: UTF8.self)
                let required = context.daemon.settings.withLock { $0.requirePassword }
                if let required, required != password {
                    throw CommandError("WRONGPASS invalid username-password pair or user is disabled.")
                }
                context.connection.user = String(decoding: arguments[index + 1], as: UTF8.self)
                index += 3
            } else if CommandArguments.matches(arguments[index], "SETNAME"), index + 1 < arguments.count {
                name = arguments[index + 1]
                index += 2
            } else {
                throw .err("Syntax error in HELLO option '\(String(decoding: arguments[index], as: UTF8.self))'")
            }
        }
        if context.connection.user == nil {
            throw CommandError(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
            )
        }
        if let name { context.connection.name = String(decoding: name, as: UTF8.self) }
        context.connection.protocolVersion = version
        return .map([
            (.bulkString("server"), .bulkString("redis")),
            (.bulkString("version"), .bulkString("8.8.0")),
            (.bulkString("proto"), .integer(Int64(version.rawValue))),
            (.bulkString("id"), .integer(Int64(context.connection.id))),
            (.bulkString("mode"), .bulkString("standalone")),
            (.bulkString("role"), .bulkString("master")),
            (.bulkString("modules"), .array([])),
        ])
    }
}
