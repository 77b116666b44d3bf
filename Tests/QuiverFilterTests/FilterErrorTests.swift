import QuiverFilter
import Testing

/// Error replies byte for byte as Redis 8.8 sends them after `ERR ` (checked against its expr.c).
@Suite struct FilterErrorTests {
    private func error(_ expression: String) -> FilterError? {
        do {
            _ = try FilterExpression(expression)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        // Tokenizer stops echo from where the tokenizer stopped.
        (".a @ 1", "@ 1", 3), (".a === 1", " 1", 6), ("true and .a", " and .a", 4), ("1 AND 1", " 1", 5),
        ("1e-3 > 0", "-3 > 0", 2), ("[1, x] == 1", "x] == 1", 4), (". == 1", ". == 1", 0),
        ("(.z == null) and 1", " and 1", 12),
        (#""a" # 1"#, "# 1", 4), ("1.2.3 + 1", " + 1", 5), ("x", "x", 0),
        // A stop at the very end, and every structural error, echo the whole expression.
        ("", "", 0), (".a ==", ".a ==", 0), ("(1", "(1", 0), ("1)", "1)", 0), ("1 2", "1 2", 0), ("()", "()", 0),
        (".a == true", ".a == true", 0), (#"'unterminated"#, "'unterminated", 0), ("[1, 2", "[1, 2", 0),
        (".a.b", ".a.b", 0), ("1 2 +", "1 2 +", 0), (".a not in [1]", ".a not in [1]", 0), ("5 -", "5 -", 0),
        ("AND", "AND", 0), ("1 !", "1 !", 0),
    ])
    func messagesMatchRedis(_ expression: String, _ suffix: String, _ position: Int) throws {
        let error = try #require(self.error(expression))
        #expect(error.message == "syntax error in FILTER expression near: " + suffix)
        #expect(error.description == error.message)
        #expect(error.position == position)
        #expect(FilterError.Code.syntax ~= error)
    }

    /// `offset` points at the mistake even where Redis's message echoes the whole expression:
    /// the token the grammar does not allow there, or the end when an operand or `)` is missing.
    @Test(arguments: [
        (".a @ 1", 3), (".a === 1", 6), (".a ==", 5), ("(1", 2), ("1)", 1), ("1 2", 2), ("()", 1), ("1 2 +", 2),
        (".a not in [1]", 3), ("5 -", 3), ("AND", 0), ("1 !", 2), (".a == 1 and (", 13), (".a == == 1", 6),
        ("(.a == 1 or .b", 14), ("", 0), (#"'unterminated"#, 0), (".a == true", 6), ("[1, x] == 1", 4),
    ])
    func offsetsPointAtTheMistake(_ expression: String, _ offset: Int) throws {
        let error = try #require(self.error(expression))
        #expect(error.offset == offset)
    }

    @Test func aStopBeforeAnEmbeddedNULEchoesNothing() throws {
        // Redis compiles up to the NUL but compares the stop with the whole argument's length.
        let error = try #require(self.error("true\u{0}x"))
        #expect(error.message == "syntax error in FILTER expression near: ")
        let structural = try #require(self.error("1 +\u{0}x"))
        #expect(structural.message == "syntax error in FILTER expression near: 1 +")
    }

    @Test func overlongNumbersStopAtTheBufferSize() throws {
        let error = try #require(self.error(String(repeating: "9", count: 300) + " > 1"))
        #expect(error.position == 255)
        #expect(
            error.message == "syntax error in FILTER expression near: " + String(repeating: "9", count: 45) + " > 1")
    }

    @Test func deepNestingIsASyntaxError() throws {
        let deep = String(repeating: "(", count: 300) + "1" + String(repeating: ")", count: 300)
        let error = try #require(self.error(deep))
        #expect(error.position == 0)
    }

    @Test func nonASCIIIsEchoedIntact() throws {
        let error = try #require(self.error(".a == é"))
        #expect(error.message == "syntax error in FILTER expression near: é")
    }
}
