import Testing

@testable import QuiverFilter

@Suite struct FilterParserTests {
    private func tree(_ text: String) throws -> String {
        let tokens = try FilterLexer.tokenize(Array(text.utf8))
        return try FilterParser.parse(tokens).description
    }

    private func rejects(_ text: String) -> Bool {
        guard let tokens = try? FilterLexer.tokenize(Array(text.utf8)) else { return false }
        return (try? FilterParser.parse(tokens)) == nil
    }

    @Test(arguments: [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("(1 + 2) * 3", "((1 + 2) * 3)"),
        ("2 ** 3 ** 2", "(2 ** (3 ** 2))"),
        ("10 - 4 - 3", "((10 - 4) - 3)"),
        ("8 / 4 / 2", "((8 / 4) / 2)"),
        ("1 == 1 == 1", "((1 == 1) == 1)"),
        ("! .n == 5", "((!.n) == 5)"),
        ("!.a ** 2", "((!.a) ** 2)"),
        ("2 ** !.a ** 3", "(2 ** ((!.a) ** 3))"),
        ("not .a and .b", "((!.a) and .b)"),
        (".a or .b and .c", "(.a or (.b and .c))"),
        (".a && .b || .c", "((.a and .b) or .c)"),
        (".a + 1 in [2]", "((.a + 1) in [2.0])"),
        (".a in .b == 1", "((.a in .b) == 1)"),
        (".a > 1 and .a < 5 or .b", "(((.a > 1) and (.a < 5)) or .b)"),
        ("-2 ** 2", "(-2 ** 2)"),
        ("1 * 2 % 3 / 4", "(((1 * 2) % 3) / 4)"),
        ("!!.a", "(!(!.a))"),
        ("not not .a", "(!(!.a))"),
        ("!!.n == 1", "((!(!.n)) == 1)"),
        ("!.a or !!.a", "((!.a) or (!(!.a)))"),
        ("((((.a))))", ".a"),
        ("null", "null"),
    ])
    func precedenceAndAssociativity(_ text: String, _ expected: String) throws {
        #expect(try tree(text) == expected)
    }

    @Test(arguments: [
        "", "1 +", "+ 1", "1 2", "(1", "1)", "()", "(1 2)", ".a .b", ".a.b", "1 2 +", "+ 1 2", "1 !", ".a not in [1]",
        "(1)(2)", "1 (2)", "* 1", "1 ==", "and", "!", "not", ")(",
    ])
    func rejectsWhatIsNotAnInfixExpression(_ text: String) {
        #expect(rejects(text))
    }

    @Test func selectorsAreDistinctInOrderOfAppearance() throws {
        let tokens = try FilterLexer.tokenize(Array(".b + .a * .b - .c + .a".utf8))
        let parsed = try FilterParser.parse(tokens)
        #expect(parsed.selectors == [[0x62], [0x61], [0x63]])
    }

    @Test func nestingIsBounded() throws {
        let ok = String(repeating: "(", count: 200) + "1" + String(repeating: ")", count: 200)
        #expect(try tree(ok) == "1")
        let deep = String(repeating: "(", count: 300) + "1" + String(repeating: ")", count: 300)
        #expect(rejects(deep))
        #expect(rejects(String(repeating: "!", count: 300) + "1"))
        #expect(rejects(Array(repeating: "2", count: 300).joined(separator: " ** ")))
        // Left-associative chains do not nest, so any length is fine.
        let chain = Array(repeating: "1", count: 10_000).joined(separator: " + ")
        _ = try FilterParser.parse(FilterLexer.tokenize(Array(chain.utf8)))
    }
}
