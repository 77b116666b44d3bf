import Testing

@testable import QuiverServer

@Suite struct KeyPatternTests {
    /// Cases from Redis's `stringmatchlen` tests and `keyspace.tcl`, and the quirks the type's
    /// documentation lists.
    @Test(arguments: [
        ("*", "", true), ("*", "anything", true), ("**", "", false), ("", "", true), ("", "a", false),
        ("h?llo", "hello", true), ("h?llo", "hllo", false), ("h*llo", "hllo", true), ("h*llo", "heeeello", true),
        ("h[ae]llo", "hello", true), ("h[ae]llo", "hillo", false), ("h[^e]llo", "hallo", true),
        ("h[^e]llo", "hello", false), ("h[a-b]llo", "hbllo", true), ("h[a-b]llo", "hcllo", false),
        ("h[b-a]llo", "hallo", true), ("a\\*b", "a*b", true), ("a\\*b", "axb", false), ("a\\", "a\\", true),
        ("[abc", "a", true), ("[abc", "d", false), ("[a-", "-", true), ("[a-", "b", false), ("[a\\]]", "]", true),
        ("[\\", "\\", true),
        ("*a*b*", "xxaxxbxx", true), ("*a*b*", "xxbxxaxx", false), ("a*", "a", true), ("*a", "a", true),
        ("foo*", "foo", true), ("foo*", "fo", false), ("f*o*o", "foo", true), ("?", "", false), ("[]]", "]", false),
        ("[a-z]*", "key", true), ("[a-z]*", "Key", false), ("user:*:name", "user:12:name", true),
        ("user:*:name", "user:12:mail", false),
    ])
    func matchesLikeRedis(pattern: String, subject: String, expected: Bool) {
        #expect(KeyPattern(Array(pattern.utf8)).matches(Array(subject.utf8)) == expected, "\(pattern) ~ \(subject)")
    }

    @Test func rangesCompareSignedBytesAsRedisDoes() {
        // [\x00-\x7f] as signed chars excludes 0x80...0xff; [\x80-\xff] is -128...-1.
        let ascii = KeyPattern([UInt8(ascii: "["), 0x00, UInt8(ascii: "-"), 0x7F, UInt8(ascii: "]")])
        #expect(ascii.matches([0x41]))
        #expect(!ascii.matches([0xC3]))
        let high = KeyPattern([UInt8(ascii: "["), 0x80, UInt8(ascii: "-"), 0xFF, UInt8(ascii: "]")])
        #expect(high.matches([0xC3]))
        #expect(!high.matches([0x41]))
        // [\x7f-\x80] swaps to [-128, 127]: every byte.
        let all = KeyPattern([UInt8(ascii: "["), 0x7F, UInt8(ascii: "-"), 0x80, UInt8(ascii: "]")])
        #expect(all.matches([0x00]) && all.matches([0xFF]))
    }

    @Test func binarySubjectsAndPatternsWithNulAndNewlines() {
        #expect(KeyPattern([0x61, 0x00, 0x2A]).matches([0x61, 0x00, 0x0D, 0x0A]))
        #expect(!KeyPattern([0x61, 0x00, 0x2A]).matches([0x61, 0x01]))
        #expect(KeyPattern(Array("a?b".utf8)).matches([0x61, 0x00, 0x62]))
    }

    @Test func abusivePatternsFinishAndDeepNestingNeverMatches() {
        let stars = Array(String(repeating: "a*", count: 60).utf8) + [UInt8(ascii: "b")]
        #expect(!KeyPattern(stars).matches(Array(String(repeating: "a", count: 200).utf8)))
        let deep = Array(String(repeating: "*a", count: 1100).utf8)
        #expect(!KeyPattern(deep).matches(Array(String(repeating: "a", count: 1100).utf8)))
        let shallow = Array(String(repeating: "*a", count: 900).utf8)
        #expect(KeyPattern(shallow).matches(Array(String(repeating: "a", count: 900).utf8)))
    }
}
