import Testing

@testable import QuiverServer

@Suite struct CommandArgumentsTests {
    private func double(_ text: String) -> Double? { CommandArguments.double(Array(text.utf8)) }

    @Test func doublesAreReadAsRedisReadsThem() {
        #expect(double("1.5") == 1.5)
        #expect(double("-2e3") == -2000)
        #expect(double("0x1p-3") == 0.125)
        #expect(double("inf") == .infinity)
        #expect(double("-Infinity") == -.infinity)
        #expect(double("1e-310").map { $0 > 0 && $0.isSubnormal } == true, "a subnormal result is kept")
        for zero in ["0", "-0", "0.000", "0e10", ".0", "-0x0p+0"] {
            #expect(double(zero) == 0, "\(zero) is zero")
        }
        for refused in ["", " 1", "1 ", "1e400", "-1e400", "nan", "abc", "1e-400", "-5e-999", "0x1p-2000", "0.001e-400"] {
            #expect(double(refused) == nil, "\(refused) is refused")
        }
    }

    @Test func integersAreStrict() {
        #expect(CommandArguments.integer(Array("-9223372036854775808".utf8)) == Int64.min)
        #expect(CommandArguments.integer(Array("9223372036854775807".utf8)) == Int64.max)
        for refused in ["9223372036854775808", "+1", "01", "-0", " 1", "1.0", ""] {
            #expect(CommandArguments.integer(Array(refused.utf8)) == nil, "\(refused) is refused")
        }
    }
}
