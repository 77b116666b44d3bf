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
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { appendEscaped($0, to: &output) }
        if done == nil {
            var copy = string
            copy.withUTF8 { appendEscaped($0, to: &output) }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Appends UTF-8 bytes with `"`, `\` and control characters escaped, copying each run of
    /// bytes that need no escape at once (appending byte by byte was a third of the time to
    /// serialize a typical record).
    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var runStart = 0
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
            output.append(UInt8(ascii: "\\"))
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(c)
            case 0x08: output.append(UInt8(ascii: "b"))
            case 0x0C: output.append(UInt8(ascii: "f"))
            case 0x0A: output.append(UInt8(ascii: "n"))
            case 0x0D: output.append(UInt8(ascii: "r"))
            case 0x09: output.append(UInt8(ascii: "t"))
            default:
                output.append(UInt8(ascii: "u"))
                output.append(UInt8(ascii: "0"))
                output.append(UInt8(ascii: "0"))
                output.append(hexDigits[Int(c >> 4)])
                output.append(hexDigits[Int(c & 0xF)])
            }
            i += 1
            runStart = i
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
    }

    /// ECMAScript's Number-to-String layout over the shortest round-trip digits, which Swift's
    /// `description` already computes.
    ///
    /// Digits are gathered in stack buffers: the `Array`s this used to build were two of the
    /// three allocations per number.
    static func appendNumber(_ value: Double, to output: inout [UInt8]) {
        guard value.isFinite else { return output.append(contentsOf: "null".utf8) }
        if value == 0 { return output.append(contentsOf: (value.sign == .minus ? "-0" : "0").utf8) }
        if value.magnitude < 0x1p53, value == value.rounded(.towardZero) {
            if value < 0 { output.append(UInt8(ascii: "-")) }
            return appendDecimal(UInt64(value.magnitude), to: &output)
        }
        if value < 0 { output.append(UInt8(ascii: "-")) }
        let text = value.magnitude.description
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { appendShortest($0, to: &output) }
        if done == nil {
            var copy = text
            copy.withUTF8 { appendShortest($0, to: &output) }
        }
    }

    /// The decimal digits of `value`.
    private static func appendDecimal(_ value: UInt64, to output: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var rest = value
            var i = buffer.count
            repeat {
                i -= 1
                buffer[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest != 0
            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i...]))
        }
    }

    /// Re-lays Swift's `description` of a positive finite double (`[int].[frac]` or
    /// `[d].[frac]e[±]exp`) in ECMAScript's layout.
    private static func appendShortest(_ text: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        // A Double's shortest round-trip form has at most 17 significant digits.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digitBuffer in
            // Collect the significant digits and `point`, the position of the decimal point
            // relative to them (value = 0.digits × 10^point).
            var k = 0
            var point = 0
            var seenPoint = false
            var i = 0
            while i < text.count, text[i] != UInt8(ascii: "e") {
                let c = text[i]
                if c == UInt8(ascii: ".") {
                    seenPoint = true
                } else if k == 0 && c == UInt8(ascii: "0") {
                    if seenPoint { point -= 1 }
                } else {
                    digitBuffer[k] = c
                    k += 1
                    if !seenPoint { point += 1 }
                }
                i += 1
            }
            if i < text.count {  // e[±]exp
                i += 1
                var negative = false
                if text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                    negative = text[i] == UInt8(ascii: "-")
                    i += 1
                }
                var exponent = 0
                while i < text.count {
                    exponent = exponent * 10 + Int(text[i] &- UInt8(ascii: "0"))
                    i += 1
                }
                point += negative ? -exponent : exponent
            }
            while k > 0 && digitBuffer[k - 1] == UInt8(ascii: "0") { k -= 1 }
            let digits = UnsafeBufferPointer(rebasing: digitBuffer[..<k])
            let zero = UInt8(ascii: "0")
            if k <= point && point <= 21 {
                output.append(contentsOf: digits)
                output.append(contentsOf: repeatElement(zero, count: point - k))
            } else if 0 < point && point <= 21 {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[..<point]))
                output.append(UInt8(ascii: "."))
                output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[point...]))
            } else if -6 < point && point <= 0 {
                output.append(zero)
                output.append(UInt8(ascii: "."))
                output.append(contentsOf: repeatElement(zero, count: -point))
                output.append(contentsOf: digits)
            } else {
                output.append(digits[0])
                if k > 1 {
                    output.append(UInt8(ascii: "."))
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[1...]))
                }
                output.append(UInt8(ascii: "e"))
                output.append(point - 1 >= 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
                appendDecimal(UInt64((point - 1).magnitude), to: &output)
            }
        }
    }
}
