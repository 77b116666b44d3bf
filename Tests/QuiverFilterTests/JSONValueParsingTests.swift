import QuiverFilter
import Testing

/// JSONTestSuite-style conformance: `y_` texts must parse, `n_` texts must not.
@Suite struct JSONValueParsingTests {
    static let accepted: [String] = [
        "[[]   ]", "[\"\"]", "[]", "[\"a\"]", "[false]", "[null, 1, \"1\", {}]", "[null]", "[1\n]", " [1]",
        "[1,null,null,null,2]", "[2] ", "[123e65]", "[0e+1]", "[0e1]", "[ 4]", "[-0.000000000000000000000000000001]",
        "[20e1]", "[-0]", "[-123]", "[1E22]", "[1E-2]", "[1E+2]", "[123.456e78]", "[1e-2]", "[123.456789]",
        "[1e-400]", "{\"asd\":\"sdf\", \"dfg\":\"fgh\"}", "{\"a\":\"b\",\"a\":\"c\"}", "{}", "{\"\":0}",
        "{\"foo\\u0000bar\": 42}", "{ \"min\": -1.0e+28, \"max\": 1.0e+28 }",
        "{\"x\":[{\"id\": \"xxx\"}], \"id\": \"xxx\"}",
        "{\n\"a\": \"b\"\n}", "[\"\\u0060\\u012a\\u12AB\"]", "[\"\\uD801\\udc37\"]",
        "[\"\\ud83d\\ude39\\ud83d\\udc8d\"]",
        "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", "[\"\\\\u0000\"]", "[\"a/*b*/c/*d//e\"]", "[\"\\u0012\"]", "[\"\\uFFFF\"]",
        "[\"\\uDBFF\\uDFFF\"]", "[\"new\\u00A0line\"]", "[\"π\"]", "[\"𛿿\"]", "[\"€𝄞\"]", "[\"\\u2028\"]", "\" \"",
        "\"asd\"", "false", "true", "null", "42", "-0.1", "\t\r\n [ ] \t\r\n", "[\"\u{7F}\"]", "{\"a\":[1,[2,[3,{}]]]}",
    ]

    static let rejected: [(text: [UInt8], code: JSONError.Code, offset: Int)] = [
        (Array("[1 true]".utf8), .unexpectedByte, 3), (Array("[\"\": 1]".utf8), .unexpectedByte, 3),
        (Array("[\"\"],".utf8), .trailingData, 4), (Array("[,1]".utf8), .unexpectedByte, 1),
        (Array("[1,,2]".utf8), .unexpectedByte, 3), (Array("[\"x\"]]".utf8), .trailingData, 5),
        (Array("[\"\",]".utf8), .unexpectedByte, 4), (Array("[\"x\"".utf8), .unexpectedEnd, 4),
        (Array("[x".utf8), .unexpectedByte, 1), (Array("[3[4]]".utf8), .unexpectedByte, 2),
        (Array("[1:2]".utf8), .unexpectedByte, 2), (Array("[-]".utf8), .invalidNumber, 2),
        (Array("[1,]".utf8), .unexpectedByte, 3), (Array("[*]".utf8), .unexpectedByte, 1),
        (Array("[1,".utf8), .unexpectedEnd, 3), (Array("[{}".utf8), .unexpectedEnd, 3),
        (Array("[\"x\", truth]".utf8), .unexpectedByte, 9), (Array("[+1]".utf8), .unexpectedByte, 1),
        (Array("[-01]".utf8), .invalidNumber, 3), (Array("[-2.]".utf8), .invalidNumber, 4),
        (Array("[.2e-3]".utf8), .unexpectedByte, 1), (Array("[0.1.2]".utf8), .unexpectedByte, 4),
        (Array("[0.3e+]".utf8), .invalidNumber, 6), (Array("[0.e1]".utf8), .invalidNumber, 3),
        (Array("[1eE2]".utf8), .invalidNumber, 3), (Array("[012]".utf8), .invalidNumber, 2),
        (Array("[- 1]".utf8), .invalidNumber, 2), (Array("[NaN]".utf8), .unexpectedByte, 1),
        (Array("[Inf]".utf8), .unexpectedByte, 1), (Array("[1e400]".utf8), .numberOutOfRange, 1),
        (Array("[-1e400]".utf8), .numberOutOfRange, 1), (Array("{\"a\" b}".utf8), .unexpectedByte, 5),
        (Array("{key: 'value'}".utf8), .unexpectedByte, 1), (Array("{\"a\":\"a\" 123}".utf8), .unexpectedByte, 9),
        (Array("{\"a\":}".utf8), .unexpectedByte, 5), (Array("{\"a\":\"b\",}".utf8), .unexpectedByte, 9),
        (Array("{1:1}".utf8), .unexpectedByte, 1), (Array("{'a':0}".utf8), .unexpectedByte, 1),
        (Array("{\"a\"".utf8), .unexpectedEnd, 4), (Array("{\"a\":".utf8), .unexpectedEnd, 5),
        (Array("{".utf8), .unexpectedEnd, 1), (Array("}".utf8), .unexpectedByte, 0),
        (Array("".utf8), .unexpectedEnd, 0), (Array("   ".utf8), .unexpectedEnd, 3),
        (Array("{\"a\":\"b\"}/**/".utf8), .trailingData, 9), (Array("[1]x".utf8), .trailingData, 3),
        (Array("[][]".utf8), .trailingData, 2), (Array("1 2".utf8), .trailingData, 2),
        (Array("nul".utf8), .unexpectedEnd, 3), (Array("True".utf8), .unexpectedByte, 0),
        (Array("tru e".utf8), .unexpectedByte, 3), (Array("\"abc".utf8), .unexpectedEnd, 4),
        (Array("[\"\\uD800\"]".utf8), .loneSurrogate, 2), (Array("[\"\\uDC00\"]".utf8), .loneSurrogate, 2),
        (Array("[\"\\uD800\\u0041\"]".utf8), .loneSurrogate, 2), (Array("[\"\\uD800\\n\"]".utf8), .loneSurrogate, 2),
        (Array("[\"\\a\"]".utf8), .invalidEscape, 2), (Array("[\"\\'\"]".utf8), .invalidEscape, 2),
        (Array("[\"\\u00A\"]".utf8), .invalidEscape, 7), (Array("[\"\\uqqqq\"]".utf8), .invalidEscape, 4),
        ([0x5B, 0x22, 0x61, 0x09, 0x22, 0x5D], .controlCharacter, 3),  // raw tab
        ([0x22, 0x00, 0x22], .controlCharacter, 1),
        ([0x22, 0xFF, 0x22], .invalidUTF8, 1),
        ([0x22, 0xC0, 0xAF, 0x22], .invalidUTF8, 1),  // overlong "/"
        ([0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8, 1),  // an encoded surrogate
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8, 1),  // above U+10FFFF
        ([0x22, 0xE2, 0x82, 0x22], .invalidUTF8, 1),  // truncated sequence
        ([0x22, 0x80, 0x22], .invalidUTF8, 1),  // lone continuation byte
        ([0xEF, 0xBB, 0xBF, 0x7B, 0x7D], .unexpectedByte, 0),  // byte order mark
    ]

    @Test(arguments: accepted)
    func acceptsValidText(_ text: String) throws {
        _ = try JSONValue(parsing: Array(text.utf8))
    }

    @Test(arguments: rejected)
    func rejectsInvalidTextAtTheRightByte(_ text: [UInt8], _ code: JSONError.Code, _ offset: Int) {
        #expect(throws: JSONError(code, at: offset)) { try JSONValue(parsing: text) }
    }

    @Test func conformanceTableIsLargeEnough() {
        #expect(Self.accepted.count + Self.rejected.count >= 60)
    }

    @Test func buildsTheTree() throws {
        let value = try JSONValue(parsing: Array(#" {"a": [1, -2.5e1, true, null], "b": {"c": "d"}, "a": 0} "#.utf8))
        let expected: JSONValue = ["a": [1, -25, true, nil], "b": ["c": "d"], "a": 0]
        #expect(value == expected)
        #expect(value["a"] == [1, -25, true, nil])  // the first of two "a" members
        #expect(value["b"]?["c"] == "d")
        #expect(value["a"]?[1] == -25)
        #expect(value["a"]?[4] == nil)
        #expect(value["zzz"] == nil)
    }

    @Test func decodesEveryEscape() throws {
        let value = try JSONValue(parsing: Array(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00\u0000""#.utf8))
        #expect(value == .string("\"\\/\u{08}\u{0C}\n\r\tAé€😀\u{0}"))
    }

    @Test func keysAreUnescaped() throws {
        let value = try JSONValue(parsing: Array(#"{"\u0061b":1}"#.utf8))
        #expect(value["ab"] == 1)
    }

    @Test func nestingLimitIs512() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        _ = try JSONValue(parsing: Array(ok.utf8))
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(throws: JSONError(.tooDeep, at: 512)) { try JSONValue(parsing: Array(deep.utf8)) }
        let objects = String(repeating: #"{"a":"#, count: 513) + "1" + String(repeating: "}", count: 513)
        #expect(throws: JSONError(.tooDeep, at: 512 * 5)) { try JSONValue(parsing: Array(objects.utf8)) }
    }

    @Test(arguments: [
        ("0", 0.0), ("-0", -0.0), ("1", 1), ("-1", -1), ("0.1", 0.1), ("1e22", 1e22), ("1e23", 1e23),
        ("123456789012345678901234567890", 123456789012345678901234567890.0), ("9007199254740993", 9007199254740993.0),
        ("2.2250738585072011e-308", Double(bitPattern: 0x000F_FFFF_FFFF_FFFF)), ("4.9e-324", .leastNonzeroMagnitude),
        ("1e-400", 0),
        ("1.7976931348623157e308", 1.7976931348623157e308), ("0.30000000000000004", 0.30000000000000004),
        ("123.456e-5", 123.456e-5), ("100000000000000000000000e-22", 10), ("0.000000000000000000001", 1e-21),
        ("1.00000000000000011102230246251565404236316680908203125", 1),
        ("1.000000000000000111022302462515654042363166809082031251", 1.0000000000000002),
    ])
    func numbersAreCorrectlyRounded(_ text: String, _ expected: Double) throws {
        let value = try JSONValue(parsing: Array(text.utf8))
        guard case .number(let number) = value else { Issue.record("not a number"); return }
        #expect(number == expected)
        #expect(number.sign == expected.sign)
    }

    @Test func errorsDescribeThemselvesWithoutContents() {
        let error = JSONError(.invalidNumber, at: 7)
        #expect(error.description == "invalid JSON at byte 7: invalid number")
        #expect(JSONError.Code.invalidNumber ~= error)
        #expect(!(JSONError.Code.tooDeep ~= error))
    }
}
