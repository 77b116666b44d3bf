internal import NIOCore
internal import QuiverIndex
internal import QuiverRESP

/// `HELLO`, `AUTH`, `RESET` and `ACL WHOAMI`: the handshake and identity of a connection, with
/// Redis 7's replies and errors.
///
/// Users are `default` (whose password is `requirepass`; without one it takes any password, as
/// Redis's `nopass` does) and the named ``ServerUser``s of the configuration. A failed
/// authentication leaves the connection as it was.
enum ConnectionCommands {
    /// `HELLO`, `AUTH`, `RESET` and the `ACL` container.
    static let specs: [CommandSpec] = [
        CommandSpec(
            "HELLO", arity: -1, flags: [.noscript, .loading, .stale, .fast, .noAuth], group: "connection",
            summary: "Handshakes with the Redis server.", since: "6.0.0", run: hello),
        CommandSpec(
            "AUTH", arity: -2, flags: [.noscript, .loading, .stale, .fast, .noAuth], group: "connection",
            summary: "Authenticates the connection.",
            complexity: "O(N) where N is the number of passwords defined for the user", run: auth),
        CommandSpec(
            "RESET", arity: 1, flags: [.noscript, .loading, .stale, .fast, .noAuth, .noMulti], group: "connection",
            summary: "Resets the connection.", since: "6.2.0", run: reset),
        CommandSpec(
            "ACL", arity: -2, flags: [], group: "server", summary: "A container for Access List Control commands.",
            since: "6.0.0", complexity: "Depends on subcommand.",
            subcommands: [
                CommandSpec(
                    "ACL|WHOAMI", arity: 2, flags: [.noscript, .loading, .stale], group: "server",
                    summary: "Returns the authenticated username of the current connection.", since: "6.0.0"
                ) { context throws(CommandError) in .bulkString(context.connection.user ?? "default") },
                CommandSpec(
                    "ACL|USERS", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "server",
                    summary: "Lists all ACL users.", since: "6.0.0",
                    complexity: "O(N). Where N is the number of configured users."
                ) { context throws(CommandError) in
                    let names = Set(["default"] + context.daemon.configuration.users.map(\.name)).sorted()
                    return .array(names.map { .bulkString($0) })
                },
            ]
        ) { _ throws(CommandError) in throw .syntax },
    ]

    /// `WRONGPASS invalid username-password pair or user is disabled.`
    static let wrongPassword = CommandError("WRONGPASS invalid username-password pair or user is disabled.")

    /// The user `name` authenticates as with `password`: its name and whether it may only read;
    /// `nil` when the pair is wrong.
    static func authenticate(name: String, password: String, daemon: Daemon) -> (name: String, isReadOnly: Bool)? {
        if let user = daemon.configuration.users.first(where: { $0.name == name }) {
            return equalInConstantTime(user.password, password) ? (user.name, user.isReadOnly) : nil
        }
        guard name == "default" else { return nil }
        guard let required = daemon.settings.withLock({ $0.requirePassword }) else { return ("default", false) }
        return equalInConstantTime(required, password) ? ("default", false) : nil
    }

    /// Makes `connection` the authenticated `user`'s, and lifts the decoder's pre-authentication
    /// caps (Redis's 10 arguments and 16 KiB bulks) for the commands that follow.
    static func signIn(_ connection: inout ConnectionState, as user: (name: String, isReadOnly: Bool)) {
        connection.user = user.name
        connection.isReadOnly = user.isReadOnly
        connection.requestLimits?.value.unauthenticated = nil
    }

    /// Whether `a` and `b` are equal, compared in time that depends on their lengths only.
    static func equalInConstantTime(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(truncatingIfNeeded: x.count ^ y.count)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0 && x.count == y.count
    }

    /// `AUTH [username] password`.
    static func auth(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        guard arguments.count <= 3 else { throw .syntax }
        if arguments.count == 2, context.daemon.settings.withLock({ $0.requirePassword }) == nil {
            throw .err(
                "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
            )
        }
        let name = arguments.count == 3 ? context.text(1) : "default"
        guard let user = authenticate(name: name, password: context.text(arguments.count - 1), daemon: context.daemon)
        else { throw wrongPassword }
        signIn(&context.connection, as: user)
        return .ok
    }

    /// `HELLO [protover [AUTH username password] [SETNAME clientname]]`: switches the protocol and
    /// replies the server's description, in the new protocol.
    static func hello(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        var version: RESPProtocolVersion?
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
        var credentials: (name: String, password: String)?
        var name: String?
        while index < arguments.count {
            let more = arguments.count - 1 - index
            if CommandArguments.matches(arguments[index], "AUTH"), more >= 2 {
                credentials = (context.text(index + 1), context.text(index + 2))
                index += 3
            } else if CommandArguments.matches(arguments[index], "SETNAME"), more >= 1 {
                let candidate = context.text(index + 1)
                try ClientCommands.validateName(candidate)
                name = candidate
                index += 2
            } else {
                throw .err("Syntax error in HELLO option '\(context.text(index))'")
            }
        }
        if let credentials {
            guard
                let user = authenticate(name: credentials.name, password: credentials.password, daemon: context.daemon)
            else { throw wrongPassword }
            signIn(&context.connection, as: user)
        }
        guard context.connection.user != nil else {
            throw CommandError(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
            )
        }
        if let name { context.connection.name = name }
        if let version { context.connection.protocolVersion = version }
        return .map([
            (.bulkString("server"), .bulkString("redis")),
            (.bulkString("version"), .bulkString(InfoSections.redisVersion)),
            (.bulkString("proto"), .integer(Int64(context.connection.protocolVersion.rawValue))),
            (.bulkString("id"), .integer(Int64(context.connection.id))),
            (.bulkString("mode"), .bulkString("standalone")),
            (.bulkString("role"), .bulkString("master")),
            (.bulkString("modules"), .array([])),
        ])
    }

    /// `RESET`: leaves a transaction, forgets the watches, selects database 0, drops the name,
    /// the `CLIENT NO-EVICT`/`NO-TOUCH` modes and RESP3, and authenticates as `default` again (so
    /// with `requirepass` the connection must `AUTH` again).
    static func reset(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        TransactionRegistry.shared.takeWatches(context.daemon, context.connection.id)
        context.connection.transaction = nil
        context.connection.transactionFailed = false
        context.connection.database = 0
        context.connection.name = ""
        context.connection.protocolVersion = .resp2
        context.connection.noEvict = false
        context.connection.noTouch = false
        let passwordless = context.daemon.settings.withLock { $0.requirePassword } == nil
        context.connection.user = passwordless ? "default" : nil
        context.connection.isReadOnly = false
        if !passwordless {
            context.connection.requestLimits?.value.unauthenticated = RESPRequestLimits.Unauthenticated()
        }
        return .simpleString("RESET")
    }
}
