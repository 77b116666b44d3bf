import NIOCore
import Testing

@testable import QuiverRESP

/// Inline commands split with Redis's `sdssplitargs` rules; outputs checked on the anchor.
@Suite struct RESPRequestParserInlineTests {
    static let cases: [(String, [String]?)] = [
        ("PING", ["PING"]),
        ("SET a \"b c\"", ["SET", "a", "b c"]),
        ("ECHO 'a\\'b'", ["ECHO", "a'b"]),
        ("ECHO \"\\x41\\x4g\\n\\q\\\\\\\"\"", ["ECHO", "Ax4g\nq\\\""]),
        ("ECHO \"\\t\\r\\b\\a\"", ["ECHO", "\t\r\u{08}\u{07}"]),
        ("ECHO a\"b c\"d", nil),
        ("ECHO a\"b c\" d", ["ECHO", "ab c", "d"]),
        ("ECHO \u{0B}x\u{0B}y", ["ECHO", "x\u{0B}y"]),
        ("ECHO a\rb", ["ECHO", "a", "b"]),
        ("ECHO \"\"", ["ECHO", ""]),
        ("ECHO ''", ["ECHO", ""]),
        ("ECHO \"\\x\"", ["ECHO", "x"]),
        ("ECHO 'a\\x41'", ["ECHO", "a\\x41"]),
        ("ECHO \"abc", nil),
        ("ECHO 'abc", nil),
        ("ECHO \"abc\\", nil),
        ("ECHO \"a\"\t", ["ECHO", "a"]),
        ("ECHO \"a\"\u{0C}b", ["ECHO", "a", "b"]),
        ("set \"\"\"test-key\"\"\" test-value", nil),
        ("  a   b  ", ["a", "b"]),
        ("", []),
        (" \t\u{0B}\u{0C}", []),
        ("a\tb", ["a", "b"]),
        ("\"\\xff\\x00\"", ["\u{FF}\0"]),
    ]

    @Test(arguments: cases)
    func splitsLikeRedis(line: String, expected: [String]?) {
        let split = RESPRequestParser.splitInlineArguments(Array(line.utf8))
        if expected == ["\u{FF}\0"] {
            #expect(split == [[0xFF, 0]])
        } else {
            #expect(split == expected.map { $0.map { Array($0.utf8) } })
        }
    }

    @Test func lineEndsAtNUL() {
        #expect(RESPRequestParser.splitInlineArguments(Array("a b\0c d".utf8)) == [Array("a".utf8), Array("b".utf8)])
    }

    @Test func inlineCommandsThroughTheParser() {
        let result = DecoderVerifier.requests(bytes("SET a \"b c\"\r\nGET a\nPING\r\n"))
        #expect(result.outputs.map(strings) == [["SET", "a", "b c"], ["GET", "a"], ["PING"]])
    }

    @Test func unbalancedQuotesIsAnError() {
        let result = DecoderVerifier.requests(bytes("set \"\"\"test-key\"\"\" test-value\r\nping\r\n"))
        #expect(result.outputs.isEmpty)
        #expect(result.error?.code == .unbalancedQuotes)
        #expect(result.error?.replyBytes == ByteBuffer(string: "-ERR Protocol error: unbalanced quotes in request\r\n"))
    }

    @Test func inlineAndMultibulkMix() {
        let result = DecoderVerifier.requests(bytes("PING\r\n") + multibulk(["ECHO", "x"]) + bytes("ECHO y\n"))
        #expect(result.outputs.map(strings) == [["PING"], ["ECHO", "x"], ["ECHO", "y"]])
    }
}
