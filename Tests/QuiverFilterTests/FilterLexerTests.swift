import Testing

@testable import QuiverFilter

@Suite struct FilterLexerTests {
    private func tokens(_ text: String) throws -> [FilterToken] {
        try FilterLexer.tokenize(Array(text.utf8))
    }

    private func stop(_ text: String) -> Int? {
        do {
            _ = try FilterLexer.tokenize(Array(text.utf8))
            return nil
        } catch {
            return error.position
        }
    }

    @Test func selectorsIncludeDashesAndUnderscores() throws {
        #expect(
            try tokens(".n-3 .a_b .9") == [
                .selector(Array("n-3".utf8)), .selector(Array("a_b".utf8)), .selector([0x39]),
            ])
        #expect(try tokens(".n - 3") == [.selector([0x6E]), .op(.subtract), .number(3)])
        #expect(try tokens(".") == [.selector([])])  // a final bare dot is an empty selector
        #expect(stop(". == 1") == 0)  // anywhere else it is an error
        #expect(stop(".@") == 0)
    }

    @Test func minusStartsANumberOnlyWhereAnOperandIsExpected() throws {
        #expect(try tokens("-3") == [.number(-3)])
        #expect(try tokens("5 -3") == [.number(5), .op(.subtract), .number(3)])
        #expect(try tokens("5 - -3") == [.number(5), .op(.subtract), .number(-3)])
        #expect(try tokens("(-3)") == [.op(.openParenthesis), .number(-3), .op(.closeParenthesis)])
        #expect(
            try tokens("(1) -3") == [
                .op(.openParenthesis), .number(1), .op(.closeParenthesis), .op(.subtract), .number(3),
            ])
        #expect(try tokens("null -3") == [.null, .op(.subtract), .number(3)])
        #expect(try tokens("==-3") == [.op(.equal), .number(-3)])
        #expect(try tokens("- 3") == [.op(.subtract), .number(3)])
    }

    @Test func numbersReadAsStrtodReadsThem() throws {
        #expect(
            try tokens("1e3 2.5 7. 0.125E1 007") == [
                .number(1000), .number(2.5), .number(7), .number(1.25), .number(7),
            ])
        #expect(stop("1e-3") == 2)  // the number is "1e", which strtod does not read whole
        #expect(stop("1.2.3") == 5)
        #expect(stop("1e") == 2)
        #expect(stop(String(repeating: "1", count: 255)) == nil)
        #expect(stop(String(repeating: "1", count: 256)) == 255)
    }

    @Test func stringsDecodeThePost88Escapes() throws {
        #expect(
            try tokens(#""a\"b" 'O\'Brien' "x\\y" "l1\nl2" 'a\r\tb'"#) == [
                .string(Array("a\"b".utf8)), .string(Array("O'Brien".utf8)), .string(Array("x\\y".utf8)),
                .string(Array("l1\nl2".utf8)), .string(Array("a\r\tb".utf8)),
            ])
        #expect(try tokens(#"'a"b' "it's""#) == [.string(Array("a\"b".utf8)), .string(Array("it's".utf8))])
        #expect(try tokens(#""\d\u0041""#) == [.string(Array(#"\d\u0041"#.utf8))])  // other escapes stay as written
        #expect(try tokens(#""""#) == [.string([])])
        #expect(stop(#""abc"#) == 4)
        #expect(stop(#""abc\"#) == 5)
        #expect(stop(#"'abc""#) == 5)
    }

    @Test func tuplesHoldNumbersAndStrings() throws {
        #expect(
            try tokens(#"[1, "a", -2, 'b']"#) == [.tuple([.number(1), .string([0x61]), .number(-2), .string([0x62])])])
        #expect(try tokens("[]") == [.tuple([])])
        #expect(try tokens("[ ]") == [.tuple([])])
        #expect(try tokens("[1,]") == [.tuple([.number(1)])])  // Redis accepts a trailing comma
        #expect(stop("[,]") == 1)
        #expect(stop("[1, x]") == 4)
        #expect(stop("[.a]") == 1)
        #expect(stop("[[1]]") == 1)
        #expect(stop("[null]") == 1)
        #expect(stop("[1 2]") == 3)
        #expect(stop("[1, 2") == 5)
        #expect(stop("[-]") == 2)
    }

    @Test func operatorsTakeTheLongestSpellingAtTheStartOfARun() throws {
        #expect(
            try tokens("** * >= > <= < == != ! && || and or not in") == [
                .op(.power), .op(.multiply), .op(.greaterOrEqual), .op(.greater), .op(.lessOrEqual), .op(.less),
                .op(.equal), .op(.notEqual), .op(.not), .op(.and), .op(.or), .op(.and), .op(.or), .op(.not), .op(.in),
            ])
        #expect(try tokens("!!") == [.op(.not), .op(.not)])
        #expect(try tokens("innull") == [.op(.in), .null])
        #expect(try tokens("notin") == [.op(.not), .op(.in)])
        #expect(try tokens("!(") == [.op(.not), .op(.openParenthesis)])
        #expect(try tokens("<>") == [.op(.less), .op(.greater)])
        #expect(stop("===") == 3)  // "==" then "=", which spells nothing; the run ends at 3
        #expect(stop("true") == 4)
        #expect(stop("AND") == 3)
        #expect(stop("nulls") == 5)
        #expect(stop("null)") == 5)  // ")" joins the run, so it is not the word null
        #expect(stop("&") == 1)
        #expect(stop("@") == 0)
        #expect(stop("é") == 0)
    }

    @Test func whitespaceIsCIsspace() throws {
        #expect(try tokens("\t1\n+\u{0B}2\u{0C}\r") == [.number(1), .op(.add), .number(2)])
    }
}
