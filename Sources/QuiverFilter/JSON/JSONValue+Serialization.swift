extension JSONValue: CustomStringConvertible {
    /// The compact text of the value (see ``serialized()``).
    public var description: String { String(decoding: serialized(), as: UTF8.self) }

    /// The value as compact JSON text: no whitespace, members in order.
    ///
    /// The output is what JavaScript's `JSON.stringify` writes, so compact text in that form
    /// comes back byte for byte: strings escape only `"`, `\` and control characters (as
    /// `\b \f \n \r \t`, else `\u00xx`), everything else raw UTF-8; numbers are the shortest
    /// text that reads back to the same `Double`, in ECMAScript's `Number.prototype.toString`
    /// layout (`100`, `0.5`, `1e+21`, `1e-7`). Two differences: `-0` stays `-0`, and a
    /// non-finite number (which the parser never produces) is written as `null`. Other
    /// spellings of the same value (`1.0`, `1E2`, `"\u00e9"`, `"\/"`) come back normalized.
    ///
    /// - Complexity: O(*n*) in the size of the output.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        appendSerialized(to: &output)
        return output
    }

    /// Appends ``serialized()`` to `output`.
    public func appendSerialized(to output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value): Self.appendNumber(value, to: &output)
        case .string(let value): Self.appendString(value, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { output.append(UInt8(ascii: ",")) }
                element.appendSerialized(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { output.append(UInt8(ascii: ",")) }
                Self.appendString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.appendSerialized(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func appendString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for c in string.utf8 {
            switch c {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                    hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xF)],
                ])
            default: output.append(c)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// ECMAScript's Number-to-String layout over the shortest round-trip digits, which Swift's
    /// `description` already computes.
    static func appendNumber(_ value: Double, to output: inout [UInt8]) {
        guard value.isFinite else { return output.append(contentsOf: "null".utf8) }
        if value == 0 { return output.append(contentsOf: (value.sign == .minus ? "-0" : "0").utf8) }
        if value.magnitude < 0x1p53, value == value.rounded(.towardZero) {
            return output.append(contentsOf: String(Int64(value)).utf8)
        }
        if value < 0 { output.append(UInt8(ascii: "-")) }
        // Swift writes `[int].[frac]` or `[d].[frac]e[±]exp`; collect the significant digits and
        // `point`, the position of the decimal point relative to them (value = 0.digits × 10^point).
        let text = Array(value.magnitude.description.utf8)
        var digits: [UInt8] = []
        var point = 0
        var seenPoint = false
        var i = 0
        while i < text.count, text[i] != UInt8(ascii: "e") {
            let c = text[i]
            if c == UInt8(ascii: ".") {
                seenPoint = true
            } else if digits.isEmpty && c == UInt8(ascii: "0") {
                if seenPoint { point -= 1 }
            } else {
                digits.append(c)
                if !seenPoint { point += 1 }
            }
            i += 1
        }
        if i < text.count {
            point += Int(String(decoding: text[(i + 1)...], as: UTF8.self))!
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        let k = digits.count
        let zero = UInt8(ascii: "0")
        if k <= point && point <= 21 {
            output.append(contentsOf: digits)
            output.append(contentsOf: repeatElement(zero, count: point - k))
        } else if 0 < point && point <= 21 {
            output.append(contentsOf: digits[..<point])
            output.append(UInt8(ascii: "."))
            output.append(contentsOf: digits[point...])
        } else if -6 < point && point <= 0 {
            output.append(contentsOf: [zero, UInt8(ascii: ".")])
            output.append(contentsOf: repeatElement(zero, count: -point))
            output.append(contentsOf: digits)
        } else {
            output.append(digits[0])
            if k > 1 {
                output.append(UInt8(ascii: "."))
                output.append(contentsOf: digits[1...])
            }
            output.append(UInt8(ascii: "e"))
            output.append(point - 1 >= 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
            output.append(contentsOf: String((point - 1).magnitude).utf8)
        }
    }
}
