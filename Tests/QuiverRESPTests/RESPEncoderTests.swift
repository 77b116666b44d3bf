import NIOCore
import Testing

@testable import QuiverRESP

/// Reply bytes, compared with what Redis 8.8 sends (`DEBUG PROTOCOL <type>`, VSIM, VINFO, HELLO).
@Suite struct RESPEncoderTests {
    static func encoded(_ value: RESPValue, _ version: RESPProtocolVersion) -> String {
        var buffer = ByteBuffer()
        let written = RESPEncoder(protocolVersion: version).encode(value, into: &buffer)
        #expect(written == buffer.readableBytes)
        return String(buffer: buffer)
    }

    static let cases: [(RESPValue, String, String)] = [
        (.ok, "+OK\r\n", "+OK\r\n"),
        (.simpleError("ERR syntax error"), "-ERR syntax error\r\n", "-ERR syntax error\r\n"),
        (.simpleError("ERR two\r\nlines"), "-ERR two  lines\r\n", "-ERR two  lines\r\n"),
        (.integer(12345), ":12345\r\n", ":12345\r\n"),
        (.integer(-9_223_372_036_854_775_808), ":-9223372036854775808\r\n", ":-9223372036854775808\r\n"),
        (.bulkString("Hello World"), "$11\r\nHello World\r\n", "$11\r\nHello World\r\n"),
        (.bulkString(""), "$0\r\n\r\n", "$0\r\n\r\n"),
        (.nullBulkString, "$-1\r\n", "_\r\n"),
        (.null, "$-1\r\n", "_\r\n"),
        (.nullArray, "*-1\r\n", "_\r\n"),
        (.array([.integer(0), .integer(1), .integer(2)]), "*3\r\n:0\r\n:1\r\n:2\r\n", "*3\r\n:0\r\n:1\r\n:2\r\n"),
        (.array([]), "*0\r\n", "*0\r\n"),
        (.boolean(true), ":1\r\n", "#t\r\n"),
        (.boolean(false), ":0\r\n", "#f\r\n"),
        (.double(3.141), "$5\r\n3.141\r\n", ",3.141\r\n"),
        (.double(1), "$1\r\n1\r\n", ",1\r\n"),
        (.double(-.infinity), "$4\r\n-inf\r\n", ",-inf\r\n"),
        (
            .bigNumber("1234567999999999999999999999999999999"),
            "$37\r\n1234567999999999999999999999999999999\r\n", "(1234567999999999999999999999999999999\r\n"
        ),
        (.set([.integer(0), .integer(1), .integer(2)]), "*3\r\n:0\r\n:1\r\n:2\r\n", "~3\r\n:0\r\n:1\r\n:2\r\n"),
        (
            .map([(.integer(0), .boolean(false)), (.integer(1), .boolean(true)), (.integer(2), .boolean(false))]),
            "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n", "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"
        ),
        (
            .attribute(
                [(.bulkString("key-popularity"), .array([.bulkString("key:123"), .integer(90)]))],
                .bulkString("Some real reply following the attribute")),
            "$39\r\nSome real reply following the attribute\r\n",
            "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n"
        ),
        (
            .push([.bulkString("server-cpu-usage"), .integer(42)]),
            "*2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n", ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"
        ),
        (
            .verbatimString(format: "txt", text: ByteBuffer(string: "This is a verbatim\nstring")),
            "$25\r\nThis is a verbatim\nstring\r\n", "=29\r\ntxt:This is a verbatim\nstring\r\n"
        ),
        (.verbatimString(format: "m", text: ByteBuffer(string: "x")), "$1\r\nx\r\n", "=5\r\nm  :x\r\n"),
        (.verbatimString(format: "markdown", text: ByteBuffer(string: "x")), "$1\r\nx\r\n", "=5\r\nmar:x\r\n"),
        (
            .bulkError(ByteBuffer(string: "SYNTAX invalid\r\nsyntax")), "-SYNTAX invalid  syntax\r\n",
            "!22\r\nSYNTAX invalid\r\nsyntax\r\n"
        ),
        // VSIM k VALUES 3 1 0 0 WITHSCORES on the anchor.
        (
            .map([(.bulkString("a"), .double(1)), (.bulkString("b"), .double(0.7218461036682129))]),
            "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$18\r\n0.7218461036682129\r\n",
            "%2\r\n$1\r\na\r\n,1\r\n$1\r\nb\r\n,0.7218461036682129\r\n"
        ),
        // Downgrades apply at every depth.
        (
            .array([.map([(.simpleString("k"), .set([.null]))])]), "*1\r\n*2\r\n+k\r\n*1\r\n$-1\r\n",
            "*1\r\n%1\r\n+k\r\n~1\r\n_\r\n"
        ),
    ]

    @Test(arguments: cases)
    func encodesLikeRedis(value: RESPValue, resp2: String, resp3: String) {
        #expect(Self.encoded(value, .resp2) == resp2)
        #expect(Self.encoded(value, .resp3) == resp3)
    }

    @Test func hotRepliesWithoutAValue() {
        var buffer = ByteBuffer()
        buffer.writeRESPOK()
        buffer.writeRESPInteger(-42)
        buffer.writeRESPBulkString(ByteBuffer(string: "bar"))
        buffer.writeRESPBulkString(bytes: "baz".utf8)
        buffer.writeRESPBulkString(bytes: Array("quux".utf8))
        buffer.writeRESPBulkString(bytes: [UInt8]())
        buffer.writeRESPNull(protocolVersion: .resp2)
        buffer.writeRESPNull(protocolVersion: .resp3)
        buffer.writeRESPSimpleString("PONG")
        buffer.writeRESPSimpleError("WRONGTYPE Operation against a key holding the wrong kind of value")
        buffer.writeRESPBoolean(true, protocolVersion: .resp2)
        buffer.writeRESPDouble(0.5, protocolVersion: .resp2)
        buffer.writeRESPDouble(0.5, protocolVersion: .resp3)
        #expect(
            String(buffer: buffer)
                == "+OK\r\n:-42\r\n$3\r\nbar\r\n$3\r\nbaz\r\n$4\r\nquux\r\n$0\r\n\r\n$-1\r\n_\r\n+PONG\r\n"
                + "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:1\r\n$3\r\n0.5\r\n,0.5\r\n")
    }

    @Test func bulkStringsFromByteArraysOfAnySize() {
        for count in [0, 1, 9, 10, 4095, 100_000] {
            let payload = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            var buffer = ByteBuffer()
            buffer.writeString("prefix")
            let written = buffer.writeRESPBulkString(bytes: payload)
            var expected = ByteBuffer()
            expected.writeString("prefix")
            expected.writeRESPBulkString(bytes: payload[...])  // the generic form
            #expect(buffer == expected)
            #expect(written == buffer.readableBytes - 6)
        }
    }

    @Test func aggregateHeaders() {
        var buffer = ByteBuffer()
        for version in RESPProtocolVersion.allCases {
            for kind in [RESPAggregateKind.array, .map, .set, .push] {
                buffer.writeRESPAggregateHeader(kind, count: 3, protocolVersion: version)
            }
        }
        #expect(String(buffer: buffer) == "*3\r\n*6\r\n*3\r\n*3\r\n*3\r\n%3\r\n~3\r\n>3\r\n")
    }

    @Test func bulkPayloadIsNotConsumed() {
        let payload = ByteBuffer(string: "abc")
        var buffer = ByteBuffer()
        buffer.writeRESPValue(.bulkString(payload), protocolVersion: .resp2)
        #expect(payload.readableBytes == 3)
        #expect(String(buffer: buffer) == "$3\r\nabc\r\n")
    }

    @Test func integersOfEveryLength() {
        var value: Int64 = 1
        for _ in 0..<19 {
            for candidate in [value, -value, value - 1, value + 1] {
                #expect(Self.encoded(.integer(candidate), .resp2) == ":\(candidate)\r\n")
            }
            value = value &* 10
        }
        #expect(Self.encoded(.integer(.max), .resp3) == ":9223372036854775807\r\n")
    }
}
