/// Splits redis.conf-style text into ``ConfigDirective``s: one `key value...` per line, `#`
/// comments and blank lines skipped, words separated by spaces or tabs.
///
/// Words are quoted as redis.conf quotes them: `"..."` with the escapes `\"`, `\\`, `\n`, `\r`,
/// `\t`, `\a`, `\b` and `\xHH`; `'...'` with `\'` only. A closing quote must be followed by a
/// space or the line's end. A pure value: it reads no file (``read(path:)`` does).
struct ConfigFileParser: Sendable {
    /// The name errors give for the text (the file's path).
    var source: String

    /// A parser whose errors name `source`.
    init(source: String) { self.source = source }

    /// The directives of `text`, in order.
    ///
    /// - Throws: ``ConfigurationError`` naming the line of an unbalanced quote.
    /// - Complexity: O(*n*) in the text's length.
    func parse(_ text: String) throws(ConfigurationError) -> [ConfigDirective] {
        var directives: [ConfigDirective] = []
        var number = 0
        // Split on bytes: in a `String`, "\r\n" is one `Character`, not a "\n".
        for line in Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            let words = try split(Array(line), line: number)
            guard let key = words.first, !key.hasPrefix("#") else { continue }
            directives.append(ConfigDirective(key: key, arguments: Array(words.dropFirst()), line: number))
        }
        return directives
    }

    /// The words of one line (Redis's `sdssplitargs`); empty for a blank or comment line.
    func split(_ bytes: [UInt8], line: Int) throws(ConfigurationError) -> [String] {
        var words: [String] = []
        var index = 0
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0B || byte == 0x0C }
        while true {
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count else { return words }
            if words.isEmpty, bytes[index] == UInt8(ascii: "#") { return [] }
            var word: [UInt8] = []
            let quote = bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") ? bytes[index] : nil
            if quote != nil { index += 1 }
            while true {
                guard index < bytes.count else {
                    if quote != nil { throw ConfigurationError(source: source, line: line, message: "unbalanced quotes") }
                    break
                }
                let byte = bytes[index]
                if let quote {
                    if byte == quote {
                        index += 1
                        guard index == bytes.count || isSpace(bytes[index]) else {
                            throw ConfigurationError(source: source, line: line, message: "a closing quote must be followed by a space")
                        }
                        break
                    }
                    if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                        let next = bytes[index + 1]
                        if quote == UInt8(ascii: "'") {
                            if next == quote {
                                word.append(next)
                                index += 2
                                continue
                            }
                        } else if next == UInt8(ascii: "x"), index + 3 < bytes.count,
                            let high = Self.hexValue(bytes[index + 2]), let low = Self.hexValue(bytes[index + 3])
                        {
                            word.append(high << 4 | low)
                            index += 4
                            continue
                        } else {
                            word.append(Self.escaped(next))
                            index += 2
                            continue
                        }
                    }
                    word.append(byte)
                    index += 1
                } else {
                    if isSpace(byte) { break }
                    word.append(byte)
                    index += 1
                }
            }
            words.append(String(decoding: word, as: UTF8.self))
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func escaped(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "a"): 0x07
        default: byte
        }
    }
}
