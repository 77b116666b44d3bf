/// A Redis glob pattern (`KEYS`, `SCAN MATCH`): `*`, `?`, `[abc]`, `[^a-z]`, `\` escapes,
/// matched byte by byte exactly as Redis's `stringmatchlen` does, quirks included.
///
/// The quirks kept on purpose, so that a pattern selects the same keys on both servers:
/// - a range's bounds compare as signed bytes (bytes from 0x80 sort below ASCII), and reversed
///   bounds are swapped (`[z-a]` is `[a-z]`);
/// - an unterminated class (`[abc`) runs to the end of the pattern;
/// - a trailing lone `\` matches a literal `\`;
/// - more than 1,000 nested `*` never match (Redis's guard against abusive patterns).
struct KeyPattern: Sendable {
    /// The pattern's bytes.
    let bytes: [UInt8]
    /// Whether the pattern is `*` alone, which matches everything without looking.
    let matchesEverything: Bool

    /// A pattern of `bytes`.
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        matchesEverything = bytes == [UInt8(ascii: "*")]
    }

    /// Whether `subject` matches the pattern.
    ///
    /// - Complexity: O(pattern × subject) in general; a run of `*` that fails once stops the
    ///   search (Redis's `skipLongerMatches`), so no pattern is exponential.
    func matches(_ subject: [UInt8]) -> Bool {
        if matchesEverything { return true }
        return bytes.withUnsafeBufferPointer { pattern in
            subject.withUnsafeBufferPointer { string in
                var skipLongerMatches = false
                return Self.match(pattern, 0, string, 0, &skipLongerMatches, nesting: 0)
            }
        }
    }

    private static let star = UInt8(ascii: "*")
    private static let question = UInt8(ascii: "?")
    private static let open = UInt8(ascii: "[")
    private static let close = UInt8(ascii: "]")
    private static let caret = UInt8(ascii: "^")
    private static let backslash = UInt8(ascii: "\\")
    private static let dash = UInt8(ascii: "-")

    /// `stringmatchlen_impl`, with indices instead of moving pointers. Reads past the pattern's
    /// end see a NUL, as Redis's NUL-terminated strings do.
    private static func match(
        _ pattern: UnsafeBufferPointer<UInt8>, _ p0: Int, _ string: UnsafeBufferPointer<UInt8>, _ s0: Int,
        _ skipLongerMatches: inout Bool, nesting: Int
    ) -> Bool {
        if nesting > 1000 { return false }
        func at(_ i: Int) -> UInt8 { i < pattern.count ? pattern[i] : 0 }
        var p = p0
        var s = s0
        while p < pattern.count && s < string.count {
            switch pattern[p] {
            case star:
                while p + 1 < pattern.count && pattern[p + 1] == star { p += 1 }
                if p + 1 == pattern.count { return true }
                while s < string.count {
                    if match(pattern, p + 1, string, s, &skipLongerMatches, nesting: nesting + 1) { return true }
                    if skipLongerMatches { return false }
                    s += 1
                }
                skipLongerMatches = true
                return false
            case question:
                s += 1
            case open:
                p += 1
                let negated = at(p) == caret
                if negated { p += 1 }
                var matched = false
                let c = string[s]
                while true {
                    if at(p) == backslash && pattern.count - p >= 2 {
                        p += 1
                        if pattern[p] == c { matched = true }
                    } else if at(p) == close {
                        break
                    } else if p >= pattern.count {
                        p -= 1
                        break
                    } else if pattern.count - p >= 3 && pattern[p + 1] == dash {
                        var low = Int8(bitPattern: pattern[p])
                        var high = Int8(bitPattern: pattern[p + 2])
                        if low > high { swap(&low, &high) }
                        let value = Int8(bitPattern: c)
                        p += 2
                        if value >= low && value <= high { matched = true }
                    } else if pattern[p] == c {
                        matched = true
                    }
                    p += 1
                }
                if negated { matched.toggle() }
                if !matched { return false }
                s += 1
            case backslash:
                if pattern.count - p >= 2 { p += 1 }
                if pattern[p] != string[s] { return false }
                s += 1
            default:
                if pattern[p] != string[s] { return false }
                s += 1
            }
            p += 1
            if s == string.count {
                while at(p) == star { p += 1 }
                break
            }
        }
        return p >= pattern.count && s == string.count
    }
}
