import NIOCore
import NIOEmbedded
import Quiver
import QuiverRESP
import QuiverTestSupport
import SystemPackage
import Testing

@testable import QuiverServer

#if canImport(Glibc)
import Glibc
#endif

/// A daemon over a temporary directory, configured by the test, with clients that talk to it
/// through the real pipeline (decoder and ``ConnectionHandler``) on embedded channels: what the
/// connection and server commands need (authentication on connect, the client registry).
final class ServerTestHarness {
    let directory: String
    let daemon: Daemon
    private var nextClient: UInt64 = 100

    init(_ configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        directory = makeTemporaryDirectory().string
        var configuration = ServerConfiguration()
        configuration.directory = directory + "/data"
        configuration.durability = .none
        configure(&configuration)
        daemon = try Daemon(configuration: configuration)
    }

    /// A newly connected client (registered, and authenticated as `default` when no password is
    /// required).
    func connect(address: String = "127.0.0.1:1") throws -> ServerTestClient {
        nextClient += 1
        let channel = EmbeddedChannel()
        let state = ConnectionState(
            id: nextClient, address: address, isLoopback: true, connectedAt: daemon.database.configuration.wallClock(),
            lastInteraction: daemon.database.configuration.wallClock())
        let handler = ConnectionHandler(daemon: daemon, state: state, allocator: channel.allocator)
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return ServerTestClient(channel: channel, handler: handler)
    }

    /// Stops the daemon and removes the directory.
    func close() async {
        await daemon.stop()
        await daemon.shutdownEventLoops()
        removeTree(FilePath(directory))
    }
}

/// One client connection of a ``ServerTestHarness``.
struct ServerTestClient {
    let channel: EmbeddedChannel
    let handler: ConnectionHandler

    /// Sends one command and returns its replies (none when the server closed without one).
    func replies(_ arguments: [String]) throws -> [RESPValue] {
        var buffer = channel.allocator.buffer(capacity: 256)
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            buffer.writeString("$\(argument.utf8.count)\r\n\(argument)\r\n")
        }
        try channel.writeInbound(buffer)
        channel.embeddedEventLoop.run()  // the group commit of staged writes
        var output = channel.allocator.buffer(capacity: 256)
        while var part = try channel.readOutbound(as: ByteBuffer.self) { output.writeBuffer(&part) }
        var parser = RESPReplyParser()
        var replies: [RESPValue] = []
        while let reply = try parser.next(in: &output) { replies.append(reply) }
        return replies
    }

    /// Sends one command and returns its one reply.
    func send(_ arguments: String...) throws -> RESPValue {
        let replies = try replies(arguments)
        try #require(replies.count == 1, "one reply to \(arguments)")
        return replies[0]
    }

    /// The reply as compact text (``replyText(_:)``).
    func reply(_ arguments: String...) throws -> String {
        let replies = try replies(arguments)
        try #require(replies.count == 1, "one reply to \(arguments)")
        return replyText(replies[0])
    }

    /// Whether the connection is still open.
    var isOpen: Bool { channel.isActive }

    /// The state of the connection.
    var state: ConnectionState { handler.state }
}

/// A reply as compact text: `+simple`, `-error`, `:integer`, `$bulk`, `nil`, `[a,b]`, `{k:v}`
/// (a RESP3 map), `~[a]` (a set), `=verbatim`.
func replyText(_ value: RESPValue) -> String {
    switch value {
    case .simpleString(let text): "+" + text
    case .simpleError(let text): "-" + text
    case .integer(let number): ":\(number)"
    case .bulkString(let buffer): "$" + String(buffer: buffer)
    case .verbatimString(_, let buffer): "=" + String(buffer: buffer)
    case .nullBulkString, .null, .nullArray: "nil"
    case .array(let elements): "[" + elements.map(replyText).joined(separator: ",") + "]"
    case .set(let elements): "~[" + elements.map(replyText).joined(separator: ",") + "]"
    case .map(let entries):
        "{" + entries.map { replyText($0.key) + ":" + replyText($0.value) }.joined(separator: ",") + "}"
    default: "\(value)"
    }
}

/// Runs `body` with a fresh harness, closed afterwards.
func withServer(
    _ configure: (inout ServerConfiguration) -> Void = { _ in }, _ body: (ServerTestHarness) async throws -> Void
) async throws {
    let harness = try ServerTestHarness(configure)
    do {
        try await body(harness)
    } catch {
        await harness.close()
        throw error
    }
    await harness.close()
}
