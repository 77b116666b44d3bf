import NIOCore
import NIOPosix
import Quiver
import QuiverRESP
import QuiverTestSupport

@testable import QuiverServer

/// A daemon over a temporary directory, driven without sockets: commands go through the
/// connection handler's dispatch (arity, authentication, the command table) and replies are
/// encoded the way the connection would send them.
final class VectorSetHarness {
    let daemon: Daemon
    let handler: ConnectionHandler

    init(directory: String) throws {
        var configuration = ServerConfiguration()
        configuration.directory = directory
        configuration.durability = .none
        daemon = try Daemon(configuration: configuration)
        var state = ConnectionState(id: 1, address: "test", isLoopback: true, connectedAt: 0, lastInteraction: 0)
        state.user = "default"
        handler = ConnectionHandler(daemon: daemon, state: state, allocator: ByteBufferAllocator())
    }

    /// Closes the database and stops the event loops (no listener was started).
    func close() {
        try? daemon.database.close()
        try? daemon.group.syncShutdownGracefully()
    }

    /// The protocol replies are encoded for.
    var protocolVersion: RESPProtocolVersion {
        get { handler.state.protocolVersion }
        set { handler.state.protocolVersion = newValue }
    }

    /// Runs a command given as byte strings.
    func run(bytes arguments: [[UInt8]]) -> Result<RESPValue, CommandError> {
        guard let spec = CommandTable.lookUp(arguments[0]) else { return .failure(.err("unknown command")) }
        return handler.dispatchAlone(spec, arguments).reply
    }

    /// Runs a command given as text.
    func run(_ arguments: String...) -> Result<RESPValue, CommandError> { run(bytes: arguments.map { Array($0.utf8) }) }

    /// The reply as the client receives it: the RESP bytes for the current protocol, as text.
    func wire(_ arguments: String...) -> String { wire(run(bytes: arguments.map { Array($0.utf8) })) }

    func wire(_ result: Result<RESPValue, CommandError>) -> String { String(decoding: bytes(result), as: UTF8.self) }

    /// The reply's RESP bytes for the current protocol.
    func bytes(_ result: Result<RESPValue, CommandError>) -> [UInt8] {
        var buffer = ByteBuffer()
        switch result {
        case .success(let value): _ = buffer.writeRESPValue(value, protocolVersion: protocolVersion)
        case .failure(let error): _ = buffer.writeRESPSimpleError(error.text)
        }
        return Array(buffer.readableBytesView)
    }
}

/// Runs `body` with a fresh harness over a temporary directory and closes it afterwards.
func withHarness(_ body: (VectorSetHarness) throws -> Void) throws {
    try withTemporaryDirectory { directory in
        let harness = try VectorSetHarness(directory: "\(directory)")
        defer { harness.close() }
        try body(harness)
    }
}
