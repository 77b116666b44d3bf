import NIOCore
import Testing

@testable import QuiverRESP

@Suite struct RESPErrorTests {
    /// The exact reply of each request error, as Redis 8.8 sends it.
    static let replies: [(RESPError, String)] = [
        (.tooBigInlineRequest, "-ERR Protocol error: too big inline request\r\n"),
        (.unbalancedQuotes, "-ERR Protocol error: unbalanced quotes in request\r\n"),
        (.tooBigMultibulkCountString, "-ERR Protocol error: too big mbulk count string\r\n"),
        (.tooBigBulkCountString, "-ERR Protocol error: too big bulk count string\r\n"),
        (.expectedDollar(got: UInt8(ascii: "f")), "-ERR Protocol error: expected '$', got 'f'\r\n"),
        (.expectedDollar(got: UInt8(ascii: "\r")), "-ERR Protocol error: expected '$', got ' '\r\n"),
        (.expectedDollar(got: UInt8(ascii: "\n")), "-ERR Protocol error: expected '$', got ' '\r\n"),
        (.expectedDollar(got: 0), "-ERR Protocol error: expected '$', got '\0'\r\n"),
        (.invalidBulkLength, "-ERR Protocol error: invalid bulk length\r\n"),
        (.unauthenticatedBulkLength, "-ERR Protocol error: unauthenticated bulk length\r\n"),
        (.invalidMultibulkLength, "-ERR Protocol error: invalid multibulk length\r\n"),
        (.unauthenticatedMultibulkLength, "-ERR Protocol error: unauthenticated multibulk length\r\n"),
    ]

    @Test(arguments: replies)
    func replyBytesAreRedis(error: RESPError, expected: String) {
        #expect(error.isProtocolError)
        #expect(error.replyBytes == ByteBuffer(string: expected))
        var encoded = ByteBuffer()
        encoded.writeRESPValue(error.reply, protocolVersion: .resp3)
        #expect(encoded == ByteBuffer(string: expected))
        #expect(error.description.hasPrefix("ERR Protocol error: "))
    }

    @Test func codesMatchInCatch() {
        do {
            var parser = RESPRequestParser()
            var buffer = ByteBuffer(string: "*1\r\n$x\r\n")
            _ = try parser.next(in: &buffer)
            Issue.record("no error")
        } catch RESPError.Code.invalidBulkLength {
        } catch {
            Issue.record("wrong error \(error)")
        }
    }

    @Test func malformedReplyHasNoReply() {
        let error = RESPError.malformedReply("bad")
        #expect(!error.isProtocolError)
        #expect(error.replyBytes.readableBytes == 0)
        #expect(error.description == "malformed reply: bad")
        #expect(RESPError.Code.malformedReply.description == "malformed reply")
    }
}
