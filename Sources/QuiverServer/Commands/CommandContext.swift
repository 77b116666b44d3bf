internal import Quiver
internal import QuiverRESP

/// What a command runs with: its arguments, the connection it came on, the server, and what to
/// do after the reply.
struct CommandContext {
    let daemon: Daemon
    /// Holds the connection's state; shared with the connection's handler, so that running a
    /// command copies none of it.
    let connectionBox: ConnectionStateBox
    /// The state of the connection the command came on; changes are the connection's.
    var connection: ConnectionState {
        _read { yield connectionBox.state }
        nonmutating _modify { yield &connectionBox.state }
    }
    /// The command as sent: `arguments[0]` is its name.
    private(set) var arguments: [[UInt8]]
    var action: ReplyAction = .none

    /// A context over a copy of `connection` (read back with ``connection``).
    init(daemon: Daemon, connection: ConnectionState, arguments: [[UInt8]]) {
        self.init(daemon: daemon, sharing: ConnectionStateBox(connection), arguments: arguments)
    }

    /// Readies the context for the next command of its connection: a handler that keeps one
    /// context per connection retains nothing per command. Reset to no arguments after the
    /// command, so the handler's argument arrays are not kept alive.
    mutating func reset(arguments: [[UInt8]]) {
        self.arguments = arguments
        action = .none
    }

    /// A context whose command changes the state in `box` directly.
    init(daemon: Daemon, sharing box: ConnectionStateBox, arguments: [[UInt8]]) {
        self.daemon = daemon
        connectionBox = box
        self.arguments = arguments
    }

    /// The database the server runs on (replaced by `DEBUG RELOAD`).
    var database: Database { daemon.database }

    /// The logical database the connection has selected.
    var keyspace: LogicalDatabase { daemon.keyspaces[connection.database] }

    var protocolVersion: RESPProtocolVersion { connection.protocolVersion }

    /// Argument `index` (0 is the command name).
    func argument(_ index: Int) -> [UInt8] { arguments[index] }

    /// Argument `index` as UTF-8 text (invalid bytes replaced).
    func text(_ index: Int) -> String { String(decoding: arguments[index], as: UTF8.self) }

    /// Argument `index` as a key.
    func key(_ index: Int) -> Key { Key(arguments[index]) }

    /// Argument `index` as a strict integer, or `ERR value is not an integer or out of range`.
    func integer(_ index: Int) throws(CommandError) -> Int64 {
        guard let value = CommandArguments.integer(arguments[index]) else { throw .notInteger }
        return value
    }

    /// The upper-case name of the command.
    var commandName: String { CommandArguments.uppercased(arguments[0]) }

    /// Wall-clock milliseconds since 1970, from the database's clock.
    var now: Int64 { daemon.database.configuration.wallClock() }
}
