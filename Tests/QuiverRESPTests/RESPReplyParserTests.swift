import NIOCore
import Testing

@testable import QuiverRESP

@Suite struct RESPReplyParserTests {
    /// Replies captured from the anchor (`DEBUG PROTOCOL`, HELLO 3, VINFO on a missing key).
    static let captured: [(String, RESPValue)] = [
        ("$11\r\nHello World\r\n", .bulkString("Hello World")),
        (":12345\r\n", .integer(12345)),
        (",3.141\r\n", .double(3.141)),
        ("(1234567999999999999999999999999999999\r\n", .bigNumber("1234567999999999999999999999999999999")),
        ("_\r\n", .null),
        ("$-1\r\n", .nullBulkString),
        ("*-1\r\n", .nullArray),
        ("~3\r\n:0\r\n:1\r\n:2\r\n", .set([.integer(0), .integer(1), .integer(2)])),
        (
            "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n",
            .map([(.integer(0), .boolean(false)), (.integer(1), .boolean(true)), (.integer(2), .boolean(false))])
        ),
        (
            "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n",
            .attribute(
                [(.bulkString("key-popularity"), .array([.bulkString("key:123"), .integer(90)]))],
                .bulkString("Some real reply following the attribute"))
        ),
        (">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n", .push([.bulkString("server-cpu-usage"), .integer(42)])),
        (
            "=29\r\ntxt:This is a verbatim\nstring\r\n",
            .verbatimString(format: "txt", text: ByteBuffer(string: "This is a verbatim\nstring"))
        ),
        ("-ERR Protocol error: invalid bulk length\r\n", .simpleError("ERR Protocol error: invalid bulk length")),
        ("!21\r\nSYNTAX invalid syntax\r\n", .bulkError(ByteBuffer(string: "SYNTAX invalid syntax"))),
        (",inf\r\n", .double(.infinity)), (",-inf\r\n", .double(-.infinity)), (",nan\r\n", .double(.nan)),
        (",-0\r\n", .double(-0.0)), (",1e+21\r\n", .double(1e21)),
        (",1.0000000116860974e-7\r\n", .double(1.0000000116860974e-7)),
        ("*0\r\n", .array([])), ("%0\r\n", .map([])), ("|0\r\n+OK\r\n", .attribute([], .ok)),
        ("*2\r\n*1\r\n*0\r\n$0\r\n\r\n", .array([.array([.array([])]), .bulkString("")])),
    ]

    @Test(arguments: captured)
    func parsesEveryType(input: String, expected: RESPValue) {
        let result = DecoderVerifier.replies(bytes(input))
        #expect(result.outputs == [expected])
        #expect(result.error == nil)
        #expect(result.leftover == 0)
    }

    @Test func parsesPipelinedRepliesInOrder() {
        let input = "+OK\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n>1\r\n+x\r\n#t\r\n"
        let result = DecoderVerifier.replies(bytes(input))
        #expect(
            result.outputs == [
                .ok, .integer(1), .array([.bulkString("a"), .nullBulkString]), .push([.simpleString("x")]),
                .boolean(true),
            ])
    }

    @Test(arguments: [
        ":abc\r\n", ":+1\r\n", "#x\r\n", "#\r\n", "_x\r\n", ",abc\r\n", ",\r\n", "(12a\r\n", "(\r\n", "$-2\r\n",
        "$3\r\nabcd\r\n", "$3\r\nab\r\n\r\n", "=3\r\ntxt\r\n", "=4\r\ntxtx\r\n", "*-2\r\n", "%-1\r\n",
        "*2147483648\r\n",
        "$?\r\n", "*?\r\n", "?\r\n", "+OK\rX", "\0\r\n",
    ])
    func rejectsMalformedReplies(input: String) {
        let result = DecoderVerifier.replies(bytes(input))
        #expect(result.outputs.isEmpty)
        #expect(result.error?.code == .malformedReply)
        #expect(result.error?.isProtocolError == false)
    }

    @Test func waitsForIncompleteReplies() {
        for input in ["+OK", "+OK\r", "$5\r\nab", "*2\r\n:1\r\n", "|1\r\n+a\r\n+b\r\n", "%1\r\n+a\r\n"] {
            let result = DecoderVerifier.replies(bytes(input))
            #expect(result.outputs.isEmpty && result.error == nil, "\(input)")
        }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "*1\r\n", count: 200) + ":1\r\n"
        #expect(DecoderVerifier.replies(bytes(deep), maximumSplits: 64).error?.code == .malformedReply)
        let fine = String(repeating: "*1\r\n", count: 100) + ":1\r\n"
        #expect(DecoderVerifier.replies(bytes(fine), maximumSplits: 64).outputs.count == 1)
    }

    @Test func declaredSizesAreNotReserved() throws {
        var parser = RESPReplyParser()
        var buffer = ByteBuffer(string: "*2000000000\r\n:1\r\n$500000000\r\nabc")
        let capacity = buffer.capacity
        #expect(try parser.next(in: &buffer) == nil)
        #expect(buffer.capacity == capacity)
    }

    @Test func bulkLimitIsConfigurable() {
        var parser = RESPReplyParser()
        parser.maximumBulkLength = 2
        var buffer = ByteBuffer(string: "$3\r\nabc\r\n")
        #expect { try parser.next(in: &buffer) } throws: { ($0 as? RESPError)?.code == .malformedReply }
    }

    @Test func largeReplyInManyPiecesIsScannedOnce() throws {
        var encoded = ByteBuffer()
        encoded.writeRESPValue(.array((0..<50_000).map { .bulkString("element \($0)") }), protocolVersion: .resp3)
        let input = Array(encoded.readableBytesView)
        var parser = RESPReplyParser()
        var buffer = ByteBuffer()
        var replies: [RESPValue] = []
        for start in stride(from: 0, to: input.count, by: 512) {
            buffer.writeBytes(input[start..<min(start + 512, input.count)])
            if let reply = try parser.next(in: &buffer) { replies.append(reply) }
        }
        #expect(replies.count == 1)
        guard case .array(let elements) = replies.first else { Issue.record("not an array"); return }
        #expect(elements.count == 50_000)
        #expect(elements.last == .bulkString("element 49999"))
    }
}
