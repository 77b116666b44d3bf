import NIOCore
import NIOEmbedded
import Testing

@testable import QuiverRESP

@Suite struct RESPReplyDecoderTests {
    @Test func decodesRepliesThroughAPipeline() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPReplyDecoder()))
        try channel.writeInbound(ByteBuffer(string: "+OK\r\n%1\r\n$5\r\nproto\r\n:3\r\n$3\r\nab"))
        try channel.writeInbound(ByteBuffer(string: "c\r\n"))
        var replies: [RESPValue] = []
        while let reply = try channel.readInbound(as: RESPValue.self) { replies.append(reply) }
        #expect(replies == [.ok, .map([(.bulkString("proto"), .integer(3))]), .bulkString("abc")])
        _ = try channel.finish()
    }

    @Test func malformedReplyIsThrown() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPReplyDecoder()))
        #expect { try channel.writeInbound(ByteBuffer(string: ":1\r\n:x\r\n")) } throws: {
            ($0 as? RESPError)?.code == .malformedReply
        }
        #expect(try channel.readInbound(as: RESPValue.self) == .integer(1))
        _ = try? channel.finish()
    }

    @Test func partialReplyAtEOFIsDropped() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPReplyDecoder()))
        try channel.writeInbound(ByteBuffer(string: ":7\r\n*2\r\n:1\r\n"))
        #expect(try channel.readInbound(as: RESPValue.self) == .integer(7))
        _ = try channel.finish()
        #expect(try channel.readInbound(as: RESPValue.self) == nil)
    }
}
