import Testing

@testable import QuiverFilter

/// Redis's coercions, value by value.
@Suite struct FilterValueTests {
    private func withString<R>(_ text: String, _ body: (FilterValue) -> R) -> R {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { body(.string($0.baseAddress, count: $0.count)) }
    }

    @Test(arguments: [
        ("42", 42.0), ("-3.5", -3.5), (" 5", 5), ("\t\n5", 5), ("5 ", 0), ("abc", 0), ("", 0), ("0x1A", 26),
        ("0x1p4", 16), ("1e3", 1000), ("1e", 0), (".5", 0.5), ("+7", 7), ("infinity", .infinity), ("-INF", -.infinity),
        ("1,5", 0), ("12abc", 0), ("5\u{0}x", 5),
    ])
    func stringsReadAsNumbersOnlyWhenWhole(_ text: String, _ expected: Double) {
        withString(text) { #expect($0.asNumber == expected) }
    }

    @Test func nanStringsAreNaN() {
        withString("nan") { #expect($0.asNumber.isNaN) }
        withString("NaN(123)") { #expect($0.asNumber.isNaN) }
    }

    @Test func otherKindsAreZeroAsNumbers() {
        #expect(FilterValue.null.asNumber == 0)
        #expect(FilterValue.tuple(nil, count: 0).asNumber == 0)
        #expect(FilterValue.number(2.5).asNumber == 2.5)
    }

    @Test func truthiness() {
        #expect(FilterValue.number(1).isTrue)
        #expect(FilterValue.number(.nan).isTrue)
        #expect(!FilterValue.number(0).isTrue)
        #expect(!FilterValue.number(-0.0).isTrue)
        #expect(!FilterValue.null.isTrue)
        #expect(FilterValue.tuple(nil, count: 0).isTrue)
        withString("") { #expect(!$0.isTrue) }
        withString("0") { #expect($0.isTrue) }
    }

    @Test func equality() {
        withString("abc") { abc in
            withString("abc") { #expect(FilterValue.equal(abc, $0)) }
            withString("abd") { #expect(!FilterValue.equal(abc, $0)) }
            #expect(FilterValue.equal(abc, .number(0)))
            #expect(!FilterValue.equal(abc, .null))
            #expect(FilterValue.equal(abc, .tuple(nil, count: 0)))
        }
        #expect(FilterValue.equal(.null, .null))
        #expect(!FilterValue.equal(.null, .number(0)))
        #expect(!FilterValue.equal(.number(.nan), .number(.nan)))
        #expect(FilterValue.equal(.number(0), .number(-0.0)))
    }

    @Test func arithmeticResultsAreNumbers() {
        #expect(FilterValue.apply(.power, .number(2), .number(10)) == 1024)
        #expect(FilterValue.apply(.modulo, .number(-7), .number(4)) == -3)
        #expect(FilterValue.apply(.divide, .number(1), .number(0)) == .infinity)
        #expect(FilterValue.apply(.and, .number(2), .number(3)) == 1)
        #expect(FilterValue.apply(.or, .null, .number(0)) == 0)
        #expect(FilterValue.apply(.notEqual, .null, .number(0)) == 1)
    }
}
