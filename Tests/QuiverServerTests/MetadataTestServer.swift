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

/// A daemon over a temporary directory (not listening) and clients that talk to it through
/// the real connection pipeline (decoder and ``ConnectionHandler``) on embedded channels.
final class MetadataTestServer {
    let directory: String
    let daemon: Daemon
    private var nextClient: UInt64 = 1_000

    init() throws {
        directory = makeTemporaryDirectory().string
        var configuration = ServerConfiguration()
        configuration.directory = directory + "/data"
        configuration.durability = .none
        daemon = try Daemon(configuration: configuration)
    }

    /// A connected client speaking `protocolVersion`.
    func client(_ protocolVersion: RESPProtocolVersion = .resp2) throws -> MetadataTestClient {
        nextClient += 1
        let channel = EmbeddedChannel()
        let state = ConnectionState(
            id: nextClient, address: "127.0.0.1:1", isLoopback: true, connectedAt: 0, lastInteraction: 0)
        let handler = ConnectionHandler(daemon: daemon, state: state, allocator: channel.allocator)
        handler.state.protocolVersion = protocolVersion
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return MetadataTestClient(channel: channel, handler: handler)
    }

    /// Closes the database and stops the event loops; removes the directory.
    func close() async {
        try? daemon.database.close()
        await daemon.shutdownEventLoops()
        removeTree(FilePath(directory))
    }
}

/// One client connection of a ``MetadataTestServer``.
struct MetadataTestClient {
    let channel: EmbeddedChannel
    let handler: ConnectionHandler

    /// Sends one command (arguments as UTF-8, or raw bytes) and returns its reply.
    @discardableResult
    func send(_ arguments: any MetadataTestArgument...) throws -> RESPValue {
        let replies = try pipeline([arguments])
        try #require(replies.count == 1, "one reply per command")
        return replies[0]
    }

    /// Sends commands in one write and returns their replies.
    func pipeline(_ commands: [[any MetadataTestArgument]]) throws -> [RESPValue] {
        var buffer = channel.allocator.buffer(capacity: 256)
        for command in commands {
            buffer.writeString("*\(command.count)\r\n")
            for argument in command {
                let bytes = argument.bytes
                buffer.writeString("$\(bytes.count)\r\n")
                buffer.writeBytes(bytes)
                buffer.writeString("\r\n")
            }
        }
        try channel.writeInbound(buffer)
        var output = channel.allocator.buffer(capacity: 256)
        while var part = try channel.readOutbound(as: ByteBuffer.self) { output.writeBuffer(&part) }
        var parser = RESPReplyParser()
        var replies: [RESPValue] = []
        while let reply = try parser.next(in: &output) { replies.append(reply) }
        return replies
    }
}

/// What a test may pass as an argument.
protocol MetadataTestArgument {
    var bytes: [UInt8] { get }
}

extension String: MetadataTestArgument {
    var bytes: [UInt8] { Array(utf8) }
}

extension Int: MetadataTestArgument {
    var bytes: [UInt8] { Array(String(self).utf8) }
}

extension Double: MetadataTestArgument {
    var bytes: [UInt8] { Array("\(self)".utf8) }
}

extension Array: MetadataTestArgument where Element == UInt8 {
    var bytes: [UInt8] { self }
}

/// Readers of replies.
extension RESPValue {
    /// A bulk or simple string's text.
    var text: String? {
        switch self {
        case .bulkString(let buffer): String(buffer: buffer)
        case .simpleString(let text): text
        default: nil
        }
    }

    /// An error reply's text.
    var errorText: String? {
        if case .simpleError(let text) = self { return text }
        return nil
    }

    var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    var elements: [RESPValue]? {
        switch self {
        case .array(let elements), .set(let elements): elements
        default: nil
        }
    }

    /// A map reply (RESP3) or a flat array of pairs (RESP2) as a dictionary by key text.
    var fields: [String: RESPValue]? {
        var out: [String: RESPValue] = [:]
        switch self {
        case .map(let entries):
            for entry in entries { out[entry.key.text ?? "?"] = entry.value }
        case .array(let elements) where elements.count % 2 == 0:
            for i in stride(from: 0, to: elements.count, by: 2) { out[elements[i].text ?? "?"] = elements[i + 1] }
        default: return nil
        }
        return out
    }

    /// Map or flat-pair reply keys in order.
    var orderedKeys: [String]? {
        switch self {
        case .map(let entries): entries.map { $0.key.text ?? "?" }
        case .array(let elements) where elements.count % 2 == 0:
            stride(from: 0, to: elements.count, by: 2).map { elements[$0].text ?? "?" }
        default: nil
        }
    }

    var isNull: Bool {
        switch self {
        case .null, .nullBulkString, .nullArray: true
        default: false
        }
    }

    /// A double (RESP3) or the number a bulk string spells (RESP2).
    var number: Double? {
        switch self {
        case .double(let value): value
        case .integer(let value): Double(value)
        default: text.flatMap(Double.init)
        }
    }
}

/// A little-endian FP32 blob of `vector`.
func fp32(_ vector: [Float]) -> [UInt8] {
    vector.flatMap { value -> [UInt8] in
        let bits = value.bitPattern
        return [UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]
    }
}

/// Runs `body` with a fresh server, closed afterwards.
func withMetadataTestServer(_ body: (MetadataTestServer) throws -> Void) async throws {
    let server = try MetadataTestServer()
    do {
        try body(server)
    } catch {
        await server.close()
        throw error
    }
    await server.close()
}

/// The contents of the text file at `path`.
func readTextFile(_ path: String) -> String? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count == 0 { break }
        bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}
