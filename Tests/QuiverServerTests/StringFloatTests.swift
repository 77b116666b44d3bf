import Testing

@testable import QuiverServer

@Suite struct StringFloatTests {
    private func text(_ value: StringFloat.LongDouble) -> String {
        String(decoding: StringFloat.format(value), as: UTF8.self)
    }
    private func sum(_ a: String, _ b: String) -> String? {
        guard let x = StringFloat.parse(Array(a.utf8)), let y = StringFloat.parse(Array(b.utf8)) else { return nil }
        return text(x + y)
    }

    /// Replies captured from Redis 7.0.15 (`INCRBYFLOAT` of a fresh key by the first, then by
    /// the second).
    @Test(arguments: [
        ("0", "1e-7", "0.0000001"), ("0", "10.5", "10.5"), ("10.5", "0.1", "10.6"), ("0", "5.0e3", "5000"),
        ("0", "1e21", "1000000000000000000000"), ("0", "-1.1", "-1.1"),
        ("0", "1.0000000116860974e-7", "0.00000010000000117"),
        ("3", "-3", "0"), ("-0", "0", "0"), ("0", "0x10", "16"), ("0", "17179869184", "17179869184"),
        ("1.5", "1.5", "3"), ("0", "1e-20", "0"), ("0", "123456789.123456789", "123456789.12345678899873747"),
        ("0.1", "0.2", "0.3"), ("0", "2.5e-17", "0.00000000000000002"),
    ])
    func formatsAsRedis(start: String, increment: String, expected: String) {
        #expect(sum(start, increment) == expected, "\(start) + \(increment)")
    }

    @Test(arguments: ["", " 1", "1 ", "abc", "nan", "-nan", "1e5000", "-1e5000", "1e-5000", "0x", "1..2", "\t1"])
    func refusesWhatRedisRefuses(text: String) {
        #expect(StringFloat.parse(Array(text.utf8)) == nil, "\(text)")
    }

    @Test func acceptsInfinitySpelledOutAndStopsAtNul() {
        #expect(StringFloat.parse(Array("inf".utf8))?.isInfinite == true)
        #expect(StringFloat.parse(Array("-Infinity".utf8))?.isInfinite == true)
        #expect(StringFloat.parse([UInt8(ascii: "2"), 0, UInt8(ascii: "x")]) == 2)
        #expect(StringFloat.parse(Array(repeating: UInt8(ascii: "1"), count: 5120)) == nil)
    }

    @Test func extremes() {
        #expect(text(-0.0) == "0")
        #expect(text(.infinity) == "inf")
        #expect(text(-.infinity) == "-inf")
        #expect(text(.greatestFiniteMagnitude).count > 4900)
    }
}
