extension RESPRequestParser {
    /// Splits an inline command line into arguments with Redis's `sdssplitargs` rules.
    ///
    /// - Blanks (space, `\t`, `\n`, `\v`, `\f`, `\r`) separate arguments; an argument ends at a
    ///   space, `\t`, `\n`, `\r` or the end of the line.
    /// - `"…"` allows the escapes `\n` `\r` `\t` `\b` `\a`, `\xHH` (two hex digits) and `\` before
    ///   any other character, which stands for that character (`\"`, `\\`, `\x` without two hex
    ///   digits is `x`).
    /// - `'…'` allows only `\'`; every other backslash is literal.
    /// - A quote may start in the middle of an argument (`a"b c"` is `ab c`), and a closing quote
    ///   must be followed by a blank or the end of the line.
    ///
    /// - Parameter line: The line without its line end; it ends at its first NUL, as a C string
    ///   does (the request parser never passes one).
    /// - Returns: The arguments (empty for a blank line), or `nil` for Redis's
    ///   `unbalanced quotes in request`: an unterminated quote, or a closing quote followed by
    ///   something other than a blank.
    /// - Complexity: O(*n*) in the line length.
    public static func splitInlineArguments(_ line: [UInt8]) -> [[UInt8]]? {
        var arguments: [[UInt8]] = []
        var index = 0
        let count = line.firstIndex(of: 0) ?? line.count  // a C string ends at its NUL
        func byte(_ at: Int) -> UInt8 { at < count ? line[at] : 0 }
        while true {
            while index < count && isBlank(line[index]) { index += 1 }
            guard index < count else { return arguments }
            var current: [UInt8] = []
            var inDoubleQuotes = false
            var inSingleQuotes = false
            var done = false
            while !done {
                let c = byte(index)
                if inDoubleQuotes {
                    if c == UInt8(ascii: "\\") && byte(index + 1) == UInt8(ascii: "x"),
                        let high = hexValue(byte(index + 2)), let low = hexValue(byte(index + 3))
                    {
                        current.append(high << 4 | low)
                        index += 3
                    } else if c == UInt8(ascii: "\\") && index + 1 < count {
                        index += 1
                        switch line[index] {
                        case UInt8(ascii: "n"): current.append(UInt8(ascii: "\n"))
                        case UInt8(ascii: "r"): current.append(UInt8(ascii: "\r"))
                        case UInt8(ascii: "t"): current.append(UInt8(ascii: "\t"))
                        case UInt8(ascii: "b"): current.append(0x08)
                        case UInt8(ascii: "a"): current.append(0x07)
                        case let other: current.append(other)
                        }
                    } else if c == UInt8(ascii: "\"") {
                        if index + 1 < count && !isBlank(line[index + 1]) { return nil }
                        done = true
                    } else if index >= count {
                        return nil
                    } else {
                        current.append(c)
                    }
                } else if inSingleQuotes {
                    if c == UInt8(ascii: "\\") && byte(index + 1) == UInt8(ascii: "'") {
                        index += 1
                        current.append(UInt8(ascii: "'"))
                    } else if c == UInt8(ascii: "'") {
                        if index + 1 < count && !isBlank(line[index + 1]) { return nil }
                        done = true
                    } else if index >= count {
                        return nil
                    } else {
                        current.append(c)
                    }
                } else {
                    switch c {
                    case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                        done = true
                    case _ where index >= count:
                        done = true
                    case UInt8(ascii: "\""):
                        inDoubleQuotes = true
                    case UInt8(ascii: "'"):
                        inSingleQuotes = true
                    default:
                        current.append(c)
                    }
                }
                if index < count { index += 1 }
            }
            arguments.append(current)
        }
    }
}

/// C's `isspace` in the C locale.
private func isBlank(_ byte: UInt8) -> Bool {
    byte == 0x20 || (0x09...0x0D).contains(byte)
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
