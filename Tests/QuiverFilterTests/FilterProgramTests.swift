import Testing

@testable import QuiverFilter

@Suite struct FilterProgramTests {
    private func program(_ text: String) throws -> FilterProgram {
        FilterProgram(try FilterParser.parse(FilterLexer.tokenize(Array(text.utf8))))
    }

    @Test func constantSubexpressionsFold() throws {
        let p = try program(".a > 2 ** 10 - 24 and .b")
        #expect(p.instructions.map(\.opcode) == [.selector, .constant, .binary, .selector, .binary])
        #expect(p.constants[Int(p.instructions[1].operand)].number == 1000)
        #expect(p.fixedResult == nil)
    }

    @Test func selectorFreeExpressionsHaveAFixedResult() throws {
        #expect(try program("1 + 1 == 2").fixedResult == true)
        #expect(try program("!(1 + 1 == 2)").fixedResult == false)
        #expect(try program(#""abc" in ["x", "abc"]"#).fixedResult == true)
        #expect(try program("1 or .").fixedResult == false)  // the empty selector never resolves
    }

    @Test func stackDepthCoversTheProgram() throws {
        #expect(try program(".a").stackDepth == 1)
        #expect(try program(".a + .b").stackDepth == 2)
        #expect(try program(".a + (.b * (.c - .d))").stackDepth == 4)
        #expect(try program(".a + .b + .c + .d").stackDepth == 2)
    }

    @Test func matchesOverABorrowedBuffer() throws {
        let filter = try FilterExpression(".a == 1")
        let bytes = Array(#"{"a":1}"#.utf8)
        #expect(bytes.withUnsafeBufferPointer { filter.matches(attributeBytes: $0) })
        #expect(
            !bytes.withUnsafeBufferPointer { filter.matches(attributeBytes: UnsafeBufferPointer(rebasing: $0[0..<0])) })
    }

    @Test func longChainsRunWithoutRecursion() throws {
        let chain = Array(repeating: ".a", count: 5000).joined(separator: " + ") + " == 5000"
        #expect(try matches(chain, #"{"a":1}"#))
        let constantChain = Array(repeating: "1", count: 5000).joined(separator: " + ") + " == 5000"
        #expect(try program(constantChain).instructions.count == 1)
    }
}
