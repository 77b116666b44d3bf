import NIOCore
import NIOEmbedded
import Testing

@testable import QuiverRESP

/// The decoder in a pipeline, with Redis's `tests/unit/protocol.tcl` cases.
@Suite struct RESPRequestDecoderTests {
    /// Writes `chunks` into a channel with the decoder and returns what came out.
    static func decode(
        _ chunks: [[UInt8]], decoder: RESPRequestDecoder = RESPRequestDecoder(), close: Bool = false
    ) throws -> [RESPRequest] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(decoder))
        var requests: [RESPRequest] = []
        for chunk in chunks {
            try channel.writeInbound(ByteBuffer(bytes: chunk))
            while let request = try channel.readInbound(as: RESPRequest.self) { requests.append(request) }
        }
        if close {
            _ = try? channel.finish()
        } else {
            _ = try channel.finish(acceptAlreadyClosed: true)
        }
        while let request = try channel.readInbound(as: RESPRequest.self) { requests.append(request) }
        return requests
    }

    static func commands(_ requests: [RESPRequest]) -> [[String]] {
        requests.compactMap { if case .command(let arguments) = $0 { strings(arguments) } else { nil } }
    }

    static func error(_ requests: [RESPRequest]) -> RESPError? {
        guard case .protocolError(let error) = requests.last else { return nil }
        return error
    }

    // MARK: protocol.tcl

    @Test func handleAnEmptyQuery() throws {
        #expect(Self.commands(try Self.decode([bytes("\r\n"), bytes("PING\r\n")])) == [["PING"]])
    }

    @Test func negativeMultibulkLength() throws {
        #expect(Self.commands(try Self.decode([bytes("*-10\r\n"), multibulk(["PING"])])) == [["PING"]])
    }

    @Test func outOfRangeMultibulkLength() throws {
        #expect(Self.error(try Self.decode([bytes("*3000000000\r\n")]))?.code == .invalidMultibulkLength)
    }

    @Test func wrongMultibulkPayloadHeader() throws {
        let error = Self.error(try Self.decode([bytes("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n")]))
        #expect(error?.replyBytes == ByteBuffer(string: "-ERR Protocol error: expected '$', got 'f'\r\n"))
    }

    @Test(arguments: ["$-10", "$2000000000", "$blabla"])
    func badMultibulkPayloadLength(header: String) throws {
        let requests = try Self.decode([bytes("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n\(header)\r\n")])
        #expect(Self.error(requests)?.code == .invalidBulkLength)
    }

    @Test func multibulkRequestNotFollowedByBulkArguments() throws {
        #expect(Self.error(try Self.decode([bytes("*1\r\nfoo\r\n")]))?.offendingByte == UInt8(ascii: "f"))
    }

    @Test func unbalancedNumberOfQuotes() throws {
        let requests = try Self.decode([bytes("set \"\"\"test-key\"\"\" test-value\r\n"), bytes("ping\r\n")])
        #expect(requests.count == 1)
        #expect(Self.error(requests)?.code == .unbalancedQuotes)
    }

    @Test(arguments: ["\0", "*\0", "$\0"])
    func protocolDesyncRegression(prefix: String) throws {
        var chunks = [bytes(prefix)]
        for _ in 0..<100 { chunks.append(bytes(String(repeating: "payload", count: 147))) }
        let requests = try Self.decode(chunks)
        #expect(requests.count == 1)
        #expect(Self.error(requests)?.isProtocolError == true)
    }

    // MARK: Pipeline behaviour

    @Test func errorIsTheLastRequestAndLaterBytesAreDropped() throws {
        let requests = try Self.decode([bytes("PING\r\nECHO \"x\r\n"), bytes("PING\r\n"), multibulk(["PING"])])
        #expect(Self.commands(requests) == [["PING"]])
        #expect(requests.count == 2)
        #expect(Self.error(requests)?.code == .unbalancedQuotes)
    }

    @Test func tenThousandPipelinedCommandsInOneRead() throws {
        var input: [UInt8] = []
        for index in 0..<10_000 { input += multibulk(["SET", "k\(index)", "\(index)"]) }
        let commands = Self.commands(try Self.decode([input]))
        #expect(commands.count == 10_000)
        #expect(commands.last == ["SET", "k9999", "9999"])
    }

    @Test func halfACommandThenCloseYieldsNothing() throws {
        let requests = try Self.decode([multibulk(["PING"]), bytes("*2\r\n$3\r\nGET\r\n$3\r\nke")], close: true)
        #expect(Self.commands(requests) == [["PING"]])
        #expect(requests.count == 1)
    }

    @Test func binarySafeArgumentsThroughThePipeline() throws {
        let requests = try Self.decode([bytes("*2\r\n$3\r\nGET\r\n$4\r\n\0\r\n\0\r\n")])
        #expect(Self.commands(requests) == [["GET", "\0\r\n\0"]])
    }

    /// The handler after the decoder sees each command before the next is parsed, so it can relax
    /// the shared limits on `AUTH` and the pipelined command after it gets the new ones.
    @Test func sharedLimitsChangeBetweenPipelinedCommands() throws {
        let channel = EmbeddedChannel()
        let limits = NIOLoopBoundBox(RESPRequestLimits.redisUnauthenticated, eventLoop: channel.eventLoop)
        final class AuthHandler: ChannelInboundHandler {
            typealias InboundIn = RESPRequest
            typealias InboundOut = RESPRequest
            let limits: NIOLoopBoundBox<RESPRequestLimits>
            init(limits: NIOLoopBoundBox<RESPRequestLimits>) { self.limits = limits }
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                let request = unwrapInboundIn(data)
                if case .command(let arguments) = request, String(buffer: arguments[0]) == "AUTH" {
                    limits.value.unauthenticated = nil
                }
                context.fireChannelRead(data)
            }
        }
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPRequestDecoder(sharedLimits: limits)))
        try channel.pipeline.syncOperations.addHandler(AuthHandler(limits: limits))
        let big = String(repeating: "x", count: 20_000)
        try channel.writeInbound(ByteBuffer(bytes: multibulk(["AUTH", "pw"]) + multibulk(["SET", "k", big])))
        var seen: [[String]] = []
        while let request = try channel.readInbound(as: RESPRequest.self) {
            if case .command(let arguments) = request { seen.append(strings(arguments)) }
            if case .protocolError(let error) = request { Issue.record("\(error)") }
        }
        #expect(seen == [["AUTH", "pw"], ["SET", "k", big]])
        _ = try channel.finish()
    }

    @Test func unauthenticatedLimitsThroughTheDecoder() throws {
        let requests = try Self.decode([bytes("*11\r\n")], decoder: RESPRequestDecoder(limits: .redisUnauthenticated))
        #expect(
            Self.error(requests)?.replyBytes
                == ByteBuffer(string: "-ERR Protocol error: unauthenticated multibulk length\r\n"))
    }
}
