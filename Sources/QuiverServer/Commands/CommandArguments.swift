internal import QuiverRESP

/// Redis's argument parsers: strict integers (`string2ll`) and doubles (`strtod` with Redis's
/// checks), and case-insensitive tokens.
enum CommandArguments {
    /// The integer `bytes` spells: an optional `-` then digits, no `+`, no leading zeros, no
    /// spaces, within `Int64`.
    static func integer(_ bytes: [UInt8]) -> Int64? {
        bytes.withUnsafeBytes(RESPRequestParser.strictInteger)
    }

    /// The double `bytes` spells, as Redis reads one: no leading space, nothing after the number,
    /// no NaN, no overflow to infinity (but `inf` and `-inf` spelled out are accepted), no
    /// underflow to zero (`1e-400`; a subnormal result such as `1e-310` is accepted, as
    /// `strtod` gives it without the range error Redis checks).
    static func double(_ bytes: [UInt8]) -> Double? {
        guard !bytes.isEmpty, bytes.count < 512 else { return nil }
        let first = bytes[0]
        guard first != UInt8(ascii: " "), first != UInt8(ascii: "\t"), first != UInt8(ascii: "\n") else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let lower = text.lowercased()
        switch lower {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: break
        }
        guard let value = Double(text), !value.isNaN, value.isFinite else { return nil }
        if value == 0, !mantissaIsZero(lower) { return nil }
        return value
    }

    /// Whether the digits before the exponent of a number's text (lower case) are all zero.
    private static func mantissaIsZero(_ text: String) -> Bool {
        var digits = Substring(text)
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        let hex = digits.hasPrefix("0x")
        if hex { digits = digits.dropFirst(2) }
        let mantissa = digits.prefix { hex ? $0 != "p" : $0 != "e" }
        return mantissa.allSatisfy { $0 == "0" || $0 == "." }
    }

    /// Whether `bytes` equals `token` ignoring ASCII case (`token` is upper case).
    static func matches(_ bytes: [UInt8], _ token: StaticString) -> Bool {
        guard bytes.count == token.utf8CodeUnitCount else { return false }
        let pointer = token.utf8Start
        for i in 0..<bytes.count {
            var c = bytes[i]
            if c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") { c -= 32 }
            guard c == pointer[i] else { return false }
        }
        return true
    }

    /// `bytes` in upper case (ASCII).
    static func uppercased(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") ? $0 - 32 : $0 }, as: UTF8.self)
    }
}
