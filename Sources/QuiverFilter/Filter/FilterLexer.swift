/// Splits a FILTER expression into tokens the way Redis 8.8's tokenizer does, plus the
/// post-8.8 string escapes.
///
/// The rules, all byte-oriented and ASCII-only (bytes of 0x80 and up are never letters):
/// - whitespace is C `isspace` (space, `\t \n \v \f \r`);
/// - a number starts with a digit, or with `-` directly before a digit where an operand is
///   expected (first token, or after any operator but `)`); it continues with digits, `.`,
///   `e`, `E` and must then read entirely as `strtod` reads it (`1e-3` stops at `-`);
/// - `'…'` or `"…"` is a string; a backslash keeps the next byte from closing it, and
///   `\" \' \\ \n \r \t` are decoded (post-8.8; any other escape keeps its backslash);
/// - `.` followed by `[A-Za-z0-9_-]` is a selector; a `.` that ends the text is an empty one;
/// - `[` starts a tuple of number and string literals separated by commas (`[1,]` is allowed);
/// - a run of letters and `+-*%/!()<>=|&` is `null` when it is exactly that word, otherwise
///   its longest prefix that spells an operator (the rest is read as the next token).
struct FilterLexer {
    /// The expression's bytes (up to its first NUL).
    let source: [UInt8]
    private var position = 0
    private(set) var tokens: [FilterToken] = []
    /// The byte offset where each token starts.
    private(set) var offsets: [Int] = []

    /// Where the tokenizer stopped on an error, and where the token it was reading starts.
    struct Stop: Error {
        let position: Int
        var tokenStart = 0
    }

    /// The longest number Redis's fixed buffer holds.
    static let maximumNumberLength = 255

    init(source: [UInt8]) { self.source = source }

    /// Tokenizes the whole source.
    static func tokenize(_ source: [UInt8]) throws(Stop) -> [FilterToken] {
        try tokenizeWithOffsets(source).tokens
    }

    /// Tokenizes the whole source, with the byte offset where each token starts.
    static func tokenizeWithOffsets(_ source: [UInt8]) throws(Stop) -> (tokens: [FilterToken], offsets: [Int]) {
        var lexer = FilterLexer(source: source)
        do { try lexer.run() } catch { throw Stop(position: error.position, tokenStart: lexer.offsets.last ?? 0) }
        return (lexer.tokens, lexer.offsets)
    }

    private func byte(at i: Int) -> UInt8? { i < source.count ? source[i] : nil }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
    static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }
    static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) &- UInt8(ascii: "a") < 26 }
    static func isSelectorCharacter(_ c: UInt8) -> Bool {
        isAlpha(c) || isDigit(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }
    static func isOperatorCharacter(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "%"), UInt8(ascii: "/"),
            UInt8(ascii: "!"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"),
            UInt8(ascii: "="), UInt8(ascii: "|"), UInt8(ascii: "&"):
            true
        default: false
        }
    }

    private mutating func skipSpaces() {
        while let c = byte(at: position), Self.isSpace(c) { position += 1 }
    }

    private mutating func run() throws(Stop) {
        while true {
            skipSpaces()
            guard let c = byte(at: position) else { return }
            offsets.append(position)
            let minusIsNumber: Bool
            switch tokens.last {
            case nil: minusIsNumber = true
            case .op(let op): minusIsNumber = op != .closeParenthesis
            default: minusIsNumber = false
            }
            if Self.isDigit(c)
                || (minusIsNumber && c == UInt8(ascii: "-") && byte(at: position + 1).map(Self.isDigit) == true)
            {
                tokens.append(.number(try number()))
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                tokens.append(.string(try string()))
            } else if c == UInt8(ascii: "."), byte(at: position + 1).map(Self.isSelectorCharacter) ?? true {
                // At the very end Redis tests the terminating NUL, which `strchr` finds in any
                // character set: a final `.` is an empty selector.
                position += 1
                let start = position
                while let s = byte(at: position), Self.isSelectorCharacter(s) { position += 1 }
                tokens.append(.selector(Array(source[start..<position])))
            } else if c == UInt8(ascii: "[") {
                tokens.append(.tuple(try tuple()))
            } else if Self.isAlpha(c) || Self.isOperatorCharacter(c) {
                tokens.append(try operatorOrNull())
            } else {
                throw Stop(position: position)
            }
        }
    }

    /// A number at `position` (a digit, or `-` then a digit).
    private mutating func number() throws(Stop) -> Double {
        let start = position
        while let c = byte(at: position),
            Self.isDigit(c) || c == UInt8(ascii: ".") || c | 0x20 == UInt8(ascii: "e")
                || (position == start && c == UInt8(ascii: "-"))
        {
            if position - start >= Self.maximumNumberLength { throw Stop(position: position) }
            position += 1
        }
        let value = source.withUnsafeBufferPointer { JSONScanner.parseDouble($0, from: start, to: position) }
        guard let value else { throw Stop(position: position) }
        return value
    }

    /// A string whose opening quote is at `position`.
    private mutating func string() throws(Stop) -> [UInt8] {
        let quote = source[position]
        position += 1
        var value: [UInt8] = []
        while let c = byte(at: position) {
            if c == UInt8(ascii: "\\"), let e = byte(at: position + 1) {
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\"): value.append(e)
                case UInt8(ascii: "n"): value.append(0x0A)
                case UInt8(ascii: "r"): value.append(0x0D)
                case UInt8(ascii: "t"): value.append(0x09)
                default: value.append(contentsOf: [c, e])
                }
                position += 2
                continue
            }
            position += 1
            if c == quote { return value }
            value.append(c)
        }
        throw Stop(position: position)
    }

    /// A tuple whose `[` is at `position`.
    private mutating func tuple() throws(Stop) -> [FilterLiteral] {
        position += 1
        var elements: [FilterLiteral] = []
        while true {
            skipSpaces()
            if byte(at: position) == UInt8(ascii: "]") {
                position += 1
                return elements
            }
            guard let c = byte(at: position) else { throw Stop(position: position) }
            if Self.isDigit(c) || c == UInt8(ascii: "-") {
                elements.append(.number(try number()))
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                elements.append(.string(try string()))
            } else {
                throw Stop(position: position)
            }
            skipSpaces()
            if byte(at: position) == UInt8(ascii: "]") {
                position += 1
                return elements
            }
            guard byte(at: position) == UInt8(ascii: ",") else { throw Stop(position: position) }
            position += 1
        }
    }

    /// `null` or the longest operator spelled at the start of the run of letters and
    /// operator characters at `position`.
    private mutating func operatorOrNull() throws(Stop) -> FilterToken {
        let start = position
        while let c = byte(at: position), Self.isAlpha(c) || Self.isOperatorCharacter(c) { position += 1 }
        let run = source[start..<position]
        if run.elementsEqual("null".utf8) { return .null }
        var best: (length: Int, op: FilterOperator)?
        for (text, op) in FilterOperator.spellings
        where text.count <= run.count && run.starts(with: text) && text.count > (best?.length ?? 0) {
            best = (text.count, op)
        }
        guard let best else { throw Stop(position: position) }
        position = start + best.length
        return .op(best.op)
    }
}
