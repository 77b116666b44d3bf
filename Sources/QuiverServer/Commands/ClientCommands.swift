internal import NIOCore
internal import QuiverRESP

/// `CLIENT ID|GETNAME|SETNAME|INFO|LIST|SETINFO|KILL|NO-EVICT|NO-TOUCH|REPLY|GETREDIR`: what a
/// connection knows of itself and of the others, in Redis 7's formats.
///
/// `CLIENT LIST` and `CLIENT INFO` print Redis's line (``line(for:current:daemon:now:)``);
/// buffer and memory figures quiverd does not track are printed as Redis prints them for an idle
/// client, and `fd` is -1 (SwiftNIO does not expose the descriptor).
enum ClientCommands {
    /// The `CLIENT` container and its subcommands.
    static let spec = CommandSpec(
        "CLIENT", arity: -2, flags: [], group: "connection", summary: "A container for client connection commands.",
        since: "2.4.0", complexity: "Depends on subcommand.",
        subcommands: [
            CommandSpec(
                "CLIENT|ID", arity: 2, flags: [.noscript, .loading, .stale], group: "connection",
                summary: "Returns the unique client ID of the connection.", since: "5.0.0"
            ) { context throws(CommandError) in .integer(Int64(context.connection.id)) },
            CommandSpec(
                "CLIENT|GETNAME", arity: 2, flags: [.noscript, .loading, .stale], group: "connection",
                summary: "Returns the name of the connection.", since: "2.6.9"
            ) { context throws(CommandError) in
                context.connection.name.isEmpty ? .nullBulkString : .bulkString(context.connection.name)
            },
            CommandSpec(
                "CLIENT|SETNAME", arity: 3, flags: [.noscript, .loading, .stale], group: "connection",
                summary: "Sets the connection name.", since: "2.6.9"
            ) { context throws(CommandError) in
                let name = context.text(2)
                try validateName(name)
                context.connection.name = name
                return .ok
            },
            CommandSpec(
                "CLIENT|INFO", arity: 2, flags: [.noscript, .loading, .stale], group: "connection",
                summary: "Returns information about the connection.", since: "6.2.0"
            ) { context throws(CommandError) in
                text(line(for: context.connection, current: context, daemon: context.daemon, now: context.now) + "\n")
            },
            CommandSpec(
                "CLIENT|LIST", arity: -2, flags: [.admin, .noscript, .loading, .stale], group: "connection",
                summary: "Lists open connections.", complexity: "O(N) where N is the number of client connections",
                run: list),
            CommandSpec(
                "CLIENT|SETINFO", arity: 4, flags: [.noscript, .loading, .stale], group: "connection",
                summary: "Sets information specific to the client or connection.", since: "7.2.0", run: setInfo),
            CommandSpec(
                "CLIENT|KILL", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "connection",
                summary: "Terminates open connections.", complexity: "O(N) where N is the number of client connections",
                run: kill),
            CommandSpec(
                "CLIENT|NO-EVICT", arity: 3, flags: [.admin, .noscript, .loading, .stale], group: "connection",
                summary: "Sets the client eviction mode of the connection.", since: "7.0.0"
            ) { context throws(CommandError) in
                context.connection.noEvict = try onOff(context.argument(2))
                return .ok
            },
            CommandSpec(
                "CLIENT|NO-TOUCH", arity: 3, flags: [.noscript, .loading, .stale], group: "connection",
                summary: "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
                since: "7.2.0"
            ) { context throws(CommandError) in
                context.connection.noTouch = try onOff(context.argument(2))
                return .ok
            },
            CommandSpec(
                "CLIENT|REPLY", arity: 3, flags: [.noscript, .loading, .stale], group: "connection",
                summary: "Instructs the server whether to reply to commands.", since: "3.2.0"
            ) { context throws(CommandError) in
                // The connection handler leaves out the replies these modes silence (this one's
                // too, for OFF and SKIP).
                let mode = context.argument(2)
                if CommandArguments.matches(mode, "ON") {
                    context.connection.repliesOff = false
                    context.connection.skipNextReply = false
                } else if CommandArguments.matches(mode, "OFF") {
                    context.connection.repliesOff = true
                } else if CommandArguments.matches(mode, "SKIP") {
                    if !context.connection.repliesOff { context.connection.skipNextReply = true }
                } else {
                    throw .syntax
                }
                return .ok
            },
            CommandSpec(
                "CLIENT|GETREDIR", arity: 2, flags: [.noscript, .loading, .stale], group: "connection",
                summary: "Returns the client ID to which the connection's tracking notifications are redirected.",
                since: "6.0.0"
            ) { _ throws(CommandError) in .integer(-1) },
        ]
    ) { _ throws(CommandError) in throw .syntax }

    /// The family's table: `CLIENT`.
    static let specs = [spec]

    // MARK: Names

    /// Redis's `validateClientName`: only printable ASCII without spaces (`!` to `~`); an empty
    /// name clears it.
    ///
    /// - Throws: `ERR Client names cannot contain spaces, newlines or special characters.`
    static func validateName(_ name: String) throws(CommandError) {
        guard name.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw .err("Client names cannot contain spaces, newlines or special characters.")
        }
    }

    /// `ON` or `OFF`, else `ERR syntax error`.
    static func onOff(_ argument: [UInt8]) throws(CommandError) -> Bool {
        if CommandArguments.matches(argument, "ON") { return true }
        if CommandArguments.matches(argument, "OFF") { return false }
        throw .syntax
    }

    /// `CLIENT SETINFO LIB-NAME|LIB-VER value`.
    static func setInfo(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let value = context.text(3)
        let attribute = context.argument(2)
        let label: String
        if CommandArguments.matches(attribute, "LIB-NAME") {
            label = "lib-name"
        } else if CommandArguments.matches(attribute, "LIB-VER") {
            label = "lib-ver"
        } else {
            throw .err("Unrecognized option '\(context.text(2))'")
        }
        guard value.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw .err("\(label) cannot contain spaces, newlines or special characters.")
        }
        if label == "lib-name" {
            context.connection.libraryName = value
        } else {
            context.connection.libraryVersion = value
        }
        return .ok
    }

    // MARK: Listing

    /// A verbatim text reply (`=txt:` in RESP3, a bulk string in RESP2), as Redis sends `INFO`,
    /// `CLIENT INFO` and `CLIENT LIST`.
    static func text(_ string: String) -> RESPValue { .verbatimString(format: "txt", text: ByteBuffer(string: string)) }

    /// Every connection's state, the current one (which the registry knows as of its previous
    /// command) as the running command sees it.
    static func states(_ context: CommandContext) -> [ConnectionState] {
        var states = context.daemon.clients.states.filter { $0.id != context.connection.id }
        states.append(context.connection)
        return states.sorted { $0.id < $1.id }
    }

    /// `CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id ...]`.
    static func list(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        var states = states(context)
        let arguments = context.arguments
        var index = 2
        while index < arguments.count {
            if CommandArguments.matches(arguments[index], "TYPE"), index + 1 < arguments.count {
                let type = CommandArguments.uppercased(arguments[index + 1])
                switch type {
                case "NORMAL": break
                case "MASTER", "REPLICA", "SLAVE", "PUBSUB": states = []
                default: throw .err("Unknown client type '\(context.text(index + 1))'")
                }
                index += 2
            } else if CommandArguments.matches(arguments[index], "ID"), index + 1 < arguments.count {
                var ids: Set<UInt64> = []
                for i in (index + 1)..<arguments.count {
                    guard let id = CommandArguments.integer(arguments[i]), id > 0 else {
                        throw .err("Invalid client ID")
                    }
                    ids.insert(UInt64(id))
                }
                states = states.filter { ids.contains($0.id) }
                index = arguments.count
            } else {
                throw .syntax
            }
        }
        let now = context.now
        return text(states.map { line(for: $0, current: context, daemon: context.daemon, now: now) + "\n" }.joined())
    }

    /// Redis's `CLIENT LIST` line for `state` (without the newline); the connection running
    /// `current` shows the command running now, as in Redis.
    static func line(for state: ConnectionState, current: CommandContext, daemon: Daemon, now: Int64) -> String {
        var flags = ""
        if state.transaction != nil { flags += "x" }
        if state.noEvict { flags += "e" }
        if state.noTouch { flags += "T" }
        if flags.isEmpty { flags = "N" }
        let command: String
        if state.id == current.connection.id {
            let name = current.arguments[0]
            var full = CommandArguments.uppercased(name).lowercased()
            if let spec = CommandTable.lookUp(name), !spec.subcommands.isEmpty, current.arguments.count > 1 {
                full += "|" + CommandArguments.uppercased(current.arguments[1]).lowercased()
            }
            command = full
        } else {
            command = state.lastCommand
        }
        let laddr = "\(daemon.configuration.bindAddresses.first ?? "127.0.0.1"):\(daemon.configuration.port)"
        let multi = state.transaction.map { "\($0.count)" } ?? "-1"
        let watches = TransactionRegistry.shared.watchCount(daemon, state.id)
        let fields: [String] = [
            "id=\(state.id)", "addr=\(state.address)", "laddr=\(laddr)", "fd=-1", "name=\(state.name)",
            "age=\(max(0, now - state.connectedAt) / 1000)", "idle=\(max(0, now - state.lastInteraction) / 1000)",
            "flags=\(flags)", "db=\(state.database)", "sub=0", "psub=0", "ssub=0", "multi=\(multi)",
            "watch=\(watches)", "qbuf=0", "qbuf-free=0", "argv-mem=0", "multi-mem=0", "rbs=0", "rbp=0", "obl=0",
            "oll=0", "omem=0", "tot-mem=0", "events=r", "cmd=\(command)", "user=\(state.user ?? "default")",
            "redir=-1", "resp=\(state.protocolVersion.rawValue)", "lib-name=\(state.libraryName)",
            "lib-ver=\(state.libraryVersion)", "io-thread=0",
        ]
        return fields.joined(separator: " ")
    }

    // MARK: Killing

    /// `CLIENT KILL addr` (the old form: `OK` or `ERR No such client`) or `CLIENT KILL <filter
    /// value> ...` with `ID`, `ADDR`, `LADDR`, `USER`, `SKIPME`, `TYPE` and `MAXAGE` filters (the
    /// number of clients killed). Killing the current connection closes it after the reply.
    static func kill(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        let all = states(context)
        if arguments.count == 3 {
            let address = context.text(2)
            guard let target = all.first(where: { $0.address == address }) else { throw .err("No such client") }
            terminate(target.id, &context)
            return .ok
        }
        guard arguments.count % 2 == 0 else { throw .syntax }
        var targets = all
        var skipMe = true
        let laddr =
            "\(context.daemon.configuration.bindAddresses.first ?? "127.0.0.1"):\(context.daemon.configuration.port)"
        for index in stride(from: 2, to: arguments.count, by: 2) {
            let value = arguments[index + 1]
            let text = context.text(index + 1)
            switch CommandArguments.uppercased(arguments[index]) {
            case "ID":
                guard let id = CommandArguments.integer(value), id > 0 else {
                    throw .err("client-id should be greater than 0")
                }
                targets = targets.filter { $0.id == UInt64(id) }
            case "ADDR": targets = targets.filter { $0.address == text }
            case "LADDR": targets = targets.filter { _ in laddr == text }
            case "USER":
                let known = text == "default" || context.daemon.configuration.users.contains { $0.name == text }
                guard known else { throw .err("No such user '\(text)'") }
                targets = targets.filter { ($0.user ?? "default") == text }
            case "SKIPME":
                if CommandArguments.matches(value, "YES") {
                    skipMe = true
                } else if CommandArguments.matches(value, "NO") {
                    skipMe = false
                } else {
                    throw .syntax
                }
            case "TYPE":
                switch CommandArguments.uppercased(value) {
                case "NORMAL": break
                case "MASTER", "REPLICA", "SLAVE", "PUBSUB": targets = []
                default: throw .err("Unknown client type '\(text)'")
                }
            case "MAXAGE":
                guard let age = CommandArguments.integer(value) else { throw .notInteger }
                let now = context.now
                targets = targets.filter { (now - $0.connectedAt) / 1000 >= age }
            default: throw .syntax
            }
        }
        if skipMe { targets.removeAll { $0.id == context.connection.id } }
        for target in targets { terminate(target.id, &context) }
        return .integer(Int64(targets.count))
    }

    /// Closes client `id`: another client's connection now, the current one once its reply is
    /// written.
    static func terminate(_ id: UInt64, _ context: inout CommandContext) {
        if id == context.connection.id {
            context.action = .close
        } else {
            _ = context.daemon.clients.kill(id)
        }
    }
}
