/// Byte-level JSON grammar (RFC 8259) shared by the tree parser and the field reader: every
/// function validates exactly what it consumes and never reads past `bytes.count`.
///
/// Positions are indices into `bytes`; functions take the position of the first byte of their
/// construct and return the position just past it.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>

    var count: Int { bytes.count }

    /// The byte at `i`, or `nil` past the end.
    @inline(__always)
    func byte(at i: Int) -> UInt8? { i < bytes.count ? bytes[i] : nil }

    @inline(__always)
    func skipWhitespace(from start: Int) -> Int {
        var i = start
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return i
            }
        }
        return i
    }

    // MARK: Strings

    /// Scans the string starting with the quote at `start`.
    ///
    /// - Returns: The position past the closing quote, and whether the contents hold escapes.
    func scanString(from start: Int) throws(JSONError) -> (end: Int, hasEscapes: Bool) {
        var i = start + 1
        var hasEscapes = false
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { return (i + 1, hasEscapes) }
            if c == UInt8(ascii: "\\") {
                hasEscapes = true
                i = try scanEscape(at: i)
            } else if c < 0x20 {
                throw JSONError(.controlCharacter, at: i)
            } else if c < 0x80 {
                i += 1
            } else {
                i = try scanUTF8Sequence(at: i)
            }
        }
        throw JSONError(.unexpectedEnd, at: bytes.count)
    }

    /// Validates the escape whose backslash is at `i`; returns the position past it.
    private func scanEscape(at i: Int) throws(JSONError) -> Int {
        guard let e = byte(at: i + 1) else { throw JSONError(.unexpectedEnd, at: bytes.count) }
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return i + 2
        case UInt8(ascii: "u"):
            let unit = try hex4(at: i + 2)
            if unit >= 0xDC00 && unit <= 0xDFFF { throw JSONError(.loneSurrogate, at: i) }
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard byte(at: i + 6) == UInt8(ascii: "\\"), byte(at: i + 7) == UInt8(ascii: "u") else {
                    throw JSONError(.loneSurrogate, at: i)
                }
                let low = try hex4(at: i + 8)
                guard low >= 0xDC00 && low <= 0xDFFF else { throw JSONError(.loneSurrogate, at: i) }
                return i + 12
            }
            return i + 6
        default:
            throw JSONError(.invalidEscape, at: i)
        }
    }

    /// The four hex digits at `i` as a UTF-16 code unit.
    private func hex4(at i: Int) throws(JSONError) -> UInt32 {
        var unit: UInt32 = 0
        for j in i..<(i + 4) {
            guard let c = byte(at: j) else { throw JSONError(.unexpectedEnd, at: bytes.count) }
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c &- UInt8(ascii: "A") &+ 10
            default: throw JSONError(.invalidEscape, at: j)
            }
            unit = unit << 4 | UInt32(digit)
        }
        return unit
    }

    /// Validates the multi-byte UTF-8 sequence whose lead byte is at `i` (Unicode table 3-7).
    private func scanUTF8Sequence(at i: Int) throws(JSONError) -> Int {
        let lead = bytes[i]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw JSONError(.invalidUTF8, at: i)
        }
        guard i + length <= bytes.count else { throw JSONError(.invalidUTF8, at: i) }
        let second = bytes[i + 1]
        guard second >= low && second <= high else { throw JSONError(.invalidUTF8, at: i) }
        for j in (i + 2)..<(i + length) where bytes[j] & 0xC0 != 0x80 { throw JSONError(.invalidUTF8, at: i) }
        return i + length
    }

    /// Appends the unescaped contents of a string already validated by ``scanString(from:)``
    /// (`start` at the opening quote, `end` past the closing one).
    func decodeString(from start: Int, to end: Int, into output: inout [UInt8]) {
        var i = start + 1
        let last = end - 1
        output.reserveCapacity(output.count + (last - i))
        while i < last {
            let c = bytes[i]
            if c != UInt8(ascii: "\\") {
                output.append(c)
                i += 1
                continue
            }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = validatedHex4(at: i)
                i += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    let low = validatedHex4(at: i + 2)
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                Self.appendUTF8(scalar, to: &output)
            default: output.append(e)  // " \ /
            }
        }
    }

    private func validatedHex4(at i: Int) -> UInt32 {
        var unit: UInt32 = 0
        for j in i..<(i + 4) {
            let c = bytes[j]
            let digit: UInt8 =
                c <= UInt8(ascii: "9") ? c &- UInt8(ascii: "0") : (c | 0x20) &- UInt8(ascii: "a") &+ 10
            unit = unit << 4 | UInt32(digit)
        }
        return unit
    }

    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Whether the bytes of the string at `start..<end` (quotes included), unescaped, equal `key`.
    func stringEquals(from start: Int, to end: Int, hasEscapes: Bool, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let length = end - start - 2
        if !hasEscapes {
            guard length == key.count else { return false }
            // Keys are short: a plain loop beats a call to memcmp.
            var i = 0
            while i < length {
                if bytes[start + 1 + i] != key[i] { return false }
                i += 1
            }
            return true
        }
        guard length >= key.count else { return false }  // escapes only ever shrink the text
        var decoded: [UInt8] = []
        decodeString(from: start, to: end, into: &decoded)
        return decoded.elementsEqual(key)
    }

    // MARK: Numbers

    /// Scans a number starting at `start` per the JSON grammar.
    func scanNumber(from start: Int) throws(JSONError) -> Int {
        var i = start
        if byte(at: i) == UInt8(ascii: "-") { i += 1 }
        guard let first = byte(at: i) else { throw JSONError(.unexpectedEnd, at: bytes.count) }
        if first == UInt8(ascii: "0") {
            i += 1
            if let c = byte(at: i), Self.isDigit(c) { throw JSONError(.invalidNumber, at: i) }
        } else if Self.isDigit(first) {
            i = skipDigits(from: i + 1)
        } else {
            throw JSONError(.invalidNumber, at: i)
        }
        if byte(at: i) == UInt8(ascii: ".") {
            i += 1
            guard let c = byte(at: i), Self.isDigit(c) else { throw JSONError(.invalidNumber, at: i) }
            i = skipDigits(from: i + 1)
        }
        if let e = byte(at: i), e | 0x20 == UInt8(ascii: "e") {
            i += 1
            if let sign = byte(at: i), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { i += 1 }
            guard let c = byte(at: i), Self.isDigit(c) else { throw JSONError(.invalidNumber, at: i) }
            i = skipDigits(from: i + 1)
        }
        return i
    }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    @inline(__always)
    private func skipDigits(from start: Int) -> Int {
        var i = start
        while i < bytes.count && Self.isDigit(bytes[i]) { i += 1 }
        return i
    }

    /// The value of the number at `start..<end`, already validated by ``scanNumber(from:)``.
    ///
    /// Mantissas of up to 19 digits with a decimal exponent within ±22 are exact in one
    /// multiplication or division (both operands are exact doubles, so IEEE rounding gives the
    /// correctly rounded result); anything else goes to Swift's own correctly rounded parser.
    func numberValue(from start: Int, to end: Int) throws(JSONError) -> Double {
        var i = start
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var exact = true
        while i < end && Self.isDigit(bytes[i]) {
            let d = UInt64(bytes[i] &- UInt8(ascii: "0"))
            if digits < 19 {
                mantissa = mantissa &* 10 &+ d
                if mantissa != 0 { digits += 1 }
            } else {
                exponent += 1
                if d != 0 { exact = false }
            }
            i += 1
        }
        if i < end && bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < end && Self.isDigit(bytes[i]) {
                let d = UInt64(bytes[i] &- UInt8(ascii: "0"))
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ d
                    if mantissa != 0 { digits += 1 }
                    exponent -= 1
                } else if d != 0 {
                    exact = false
                }
                i += 1
            }
        }
        if i < end {  // exponent
            i += 1
            var negativeExponent = false
            if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                negativeExponent = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var e = 0
            while i < end {
                if e < 100_000 { e = e * 10 + Int(bytes[i] &- UInt8(ascii: "0")) }
                i += 1
            }
            exponent += negativeExponent ? -e : e
        }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        if exact && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            var value = Double(mantissa)
            if exponent < 0 { value /= Self.powersOfTen[-exponent] } else { value *= Self.powersOfTen[exponent] }
            return negative ? -value : value
        }
        let value = Self.parseDouble(bytes, from: start, to: end) ?? .nan
        if !value.isFinite { throw JSONError(.numberOutOfRange, at: start) }
        return value
    }

    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The value of `bytes[start..<end]` when the whole text reads as a number the way C's
    /// `strtod` reads one in the "C" locale (decimal or hex digits, `inf`, `nan`; no leading
    /// whitespace), else `nil`. Swift's parser is that `strtod`, correctly rounded and
    /// independent of the process's locale.
    static func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Double? {
        Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
    }

    // MARK: Literals and whole values

    /// Matches the literal `word` (`true`, `false`, `null`) at `start`.
    func scanLiteral(_ word: StaticString, from start: Int) throws(JSONError) -> Int {
        let length = word.utf8CodeUnitCount
        for j in 0..<length {
            guard let c = byte(at: start + j) else { throw JSONError(.unexpectedEnd, at: bytes.count) }
            guard c == word.utf8Start[j] else { throw JSONError(.unexpectedByte, at: start + j) }
        }
        return start + length
    }

    /// Validates the value starting at `start` (no leading whitespace) and returns its end.
    ///
    /// - Parameter depth: The number of arrays and objects that enclose the value.
    func skipValue(from start: Int, depth: Int) throws(JSONError) -> Int {
        guard let c = byte(at: start) else { throw JSONError(.unexpectedEnd, at: bytes.count) }
        switch c {
        case UInt8(ascii: "\""): return try scanString(from: start).end
        case UInt8(ascii: "t"): return try scanLiteral("true", from: start)
        case UInt8(ascii: "f"): return try scanLiteral("false", from: start)
        case UInt8(ascii: "n"): return try scanLiteral("null", from: start)
        case UInt8(ascii: "["):
            guard depth < JSONValue.maximumDepth else { throw JSONError(.tooDeep, at: start) }
            var i = skipWhitespace(from: start + 1)
            if byte(at: i) == UInt8(ascii: "]") { return i + 1 }
            while true {
                i = try skipValue(from: i, depth: depth + 1)
                i = try afterElement(from: i, closer: UInt8(ascii: "]"))
                if bytes[i - 1] == UInt8(ascii: "]") { return i }
            }
        case UInt8(ascii: "{"):
            guard depth < JSONValue.maximumDepth else { throw JSONError(.tooDeep, at: start) }
            var i = skipWhitespace(from: start + 1)
            if byte(at: i) == UInt8(ascii: "}") { return i + 1 }
            while true {
                i = try memberValueStart(from: i).valueStart
                i = try skipValue(from: i, depth: depth + 1)
                i = try afterElement(from: i, closer: UInt8(ascii: "}"))
                if bytes[i - 1] == UInt8(ascii: "}") { return i }
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let end = try scanNumber(from: start)
            if mayOverflow(from: start, to: end) { _ = try numberValue(from: start, to: end) }
            return end
        default:
            throw JSONError(.unexpectedByte, at: start)
        }
    }

    /// Whether the number at `start..<end` could exceed `Double`'s range: only one with an
    /// exponent or more than 308 digits can.
    @inline(__always)
    private func mayOverflow(from start: Int, to end: Int) -> Bool {
        if end - start > 308 { return true }
        for i in start..<end where bytes[i] | 0x20 == UInt8(ascii: "e") { return true }
        return false
    }

    /// After an element of an array or object: skips whitespace and one `,` (then whitespace
    /// again) or the closer. Returns the position after what it consumed; the closer was
    /// consumed when the byte before that position is `closer`.
    @inline(__always)
    func afterElement(from start: Int, closer: UInt8) throws(JSONError) -> Int {
        let i = skipWhitespace(from: start)
        guard let c = byte(at: i) else { throw JSONError(.unexpectedEnd, at: bytes.count) }
        if c == closer { return i + 1 }
        guard c == UInt8(ascii: ",") else { throw JSONError(.unexpectedByte, at: i) }
        return skipWhitespace(from: i + 1)
    }

    /// Reads `"key" :` at `start` (which must be the key's quote) and returns the key's extent
    /// and where the value begins (whitespace skipped).
    @inline(__always)
    func memberValueStart(
        from start: Int
    ) throws(JSONError) -> (keyStart: Int, keyEnd: Int, keyHasEscapes: Bool, valueStart: Int) {
        guard let q = byte(at: start) else { throw JSONError(.unexpectedEnd, at: bytes.count) }
        guard q == UInt8(ascii: "\"") else { throw JSONError(.unexpectedByte, at: start) }
        let (keyEnd, hasEscapes) = try scanString(from: start)
        let colon = skipWhitespace(from: keyEnd)
        guard let c = byte(at: colon) else { throw JSONError(.unexpectedEnd, at: bytes.count) }
        guard c == UInt8(ascii: ":") else { throw JSONError(.unexpectedByte, at: colon) }
        return (start, keyEnd, hasEscapes, skipWhitespace(from: colon + 1))
    }
}
