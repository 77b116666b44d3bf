import Glibc
import NIOCore
import Testing

@testable import QuiverRESP

@Suite struct RESPDoubleTests {
    /// Values and the text Redis 8.8.0 replied for them (ZSCORE, VSIM WITHSCORES, VEMB and EVAL
    /// on the anchor; see docs/notes-resp-anchor.md).
    static let table: [(String, String)] = [
        ("1", "1"), ("0", "0"), ("-0.0", "-0"), ("0.5", "0.5"), ("0.9999999105930328", "0.9999999105930328"),
        ("123456792", "123456792"), ("1.0000000116860974e-7", "1.0000000116860974e-7"), ("1e21", "1e+21"),
        ("1e-5", "0.00001"), ("123456789012345680000", "123456789012345680000"), ("1e20", "1e+20"), ("1e19", "1e+19"),
        ("1e18", "1000000000000000000"), ("4611686018427387904", "4611686018427387904"),
        ("-4611686018427387904", "-4611686018427387904"),
        ("9007199254740993", "9007199254740992"), ("1e22", "1e+22"), ("1e23", "99999999999999990000000"),
        ("1.5e22", "1.5e+22"), ("1e-6", "0.000001"), ("1e-7", "1e-7"), ("1.5e-7", "1.5e-7"), ("0.000123", "0.000123"),
        ("0.00123", "0.00123"), ("0.0012345", "0.0012345"), ("0.00012345", "1.2345e-4"), ("1.2345e-5", "1.2345e-5"),
        ("123.456", "123.456"), ("-2.5", "-2.5"), ("5e-324", "5e-324"),
        ("2.2250738585072014e-308", "2.2250738585072014e-308"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"), ("0.1", "0.1"), ("0.3", "0.3"), ("1e100", "1e+100"),
        ("1.5e300", "1.5e+300"), ("1e-100", "1e-100"), ("12345678901234567890", "12345678901234567000"),
        ("1e16", "10000000000000000"), ("1.5e16", "15000000000000000"), ("3.14159", "3.14159"), ("-1e-7", "-1e-7"),
        ("100", "100"), ("1e7", "10000000"), ("12345678.9", "12345678.9"), ("0.7218461036682129", "0.7218461036682129"),
        ("0.4960629642009735", "0.4960629642009735"), ("3.141", "3.141"), ("inf", "inf"), ("-inf", "-inf"),
        ("nan", "nan"), ("-nan", "nan"), ("snan", "nan"),
    ]

    @Test(arguments: table)
    func formatsLikeRedis(input: String, expected: String) throws {
        let value = try #require(Double(input))
        #expect(RESPDouble.format(value) == expected)
        var buffer = ByteBuffer()
        let written = RESPDouble.write(value, to: &buffer)
        #expect(written == expected.utf8.count)
        #expect(buffer.readString(length: written) == expected)
    }

    /// Each line: bit pattern in hex, then Redis's text.
    static func parse(_ table: String) -> [(bits: UInt64, text: Substring)] {
        table.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let bits = UInt64(parts[0], radix: 16) else { return nil }
            return (bits, parts[1])
        }
    }

    @Test func matchesTheAnchorSample() {
        let rows = Self.parse(redisDoubleSample)
        #expect(rows.count == 800)
        for row in rows {
            let value = Double(bitPattern: row.bits)
            #expect(RESPDouble.format(value) == row.text, "bits \(String(row.bits, radix: 16))")
        }
    }

    /// With `QUIVER_RESP_DOUBLE_ANCHOR` naming a file of the same format (the full 189,070-value
    /// capture, kept outside the repository), checks every line.
    @Test func matchesTheFullAnchorCaptureWhenGiven() throws {
        guard let path = getenv("QUIVER_RESP_DOUBLE_ANCHOR").map({ String(cString: $0) }) else { return }
        let file = try #require(fopen(path, "r"))
        defer { fclose(file) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count == 0 { break }
            contents += chunk[..<count]
        }
        let rows = Self.parse(String(decoding: contents, as: UTF8.self))
        #expect(rows.count > 1000)
        var mismatches = 0
        for row in rows where RESPDouble.format(Double(bitPattern: row.bits)) != row.text {
            mismatches += 1
            if mismatches <= 10 {
                Issue.record(
                    "bits \(String(row.bits, radix: 16)): \(RESPDouble.format(Double(bitPattern: row.bits))) != \(row.text)"
                )
            }
        }
        #expect(mismatches == 0)
    }

    /// Every finite double's text reads back as the same double (Grisu2's guarantee).
    @Test func roundTripsRandomBitPatterns() {
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<200_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let text = RESPDouble.format(value)
            #expect(Double(text)?.bitPattern == value.bitPattern || (value == 0 && Double(text) == 0), "\(text)")
            #expect(text.utf8.count <= RESPDouble.maximumLength)
        }
    }

    @Test func integralValuesNeverPrintAFraction() {
        for value in [2.0, -7, 1e15, 4503599627370496, 0x1p62 - 1024, -123456789] {
            #expect(!RESPDouble.format(value).contains("."))
            #expect(!RESPDouble.format(value).contains("e"))
        }
    }

    @Test func cachedPowersAreNormalisedAndTenToTheEighthApart() {
        #expect(Grisu2.cachedPowers.count == 87)
        for (index, entry) in Grisu2.cachedPowers.enumerated() {
            #expect(entry.significand >> 63 == 1)
            if index > 0 {
                // log2(10^8) = 26.575…, so consecutive binary exponents differ by 26 or 27.
                let step = entry.exponent - Grisu2.cachedPowers[index - 1].exponent
                #expect(step == 26 || step == 27)
            }
        }
        // Entry 44 is 10^4 = 10,000, exactly 0x9C40 · 2^48 · 2^-50.
        #expect(Grisu2.cachedPowers[44].significand == 0x9C40_0000_0000_0000)
        #expect(Grisu2.cachedPowers[44].exponent == -50)
    }
}

/// A small deterministic generator for tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
