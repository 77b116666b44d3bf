/// A compiled FILTER expression: Redis 8 vector sets' filter language over an element's JSON
/// attributes, compiled once per query and evaluated per candidate.
///
/// ```swift
/// let filter = try FilterExpression(#".year >= 1980 and .genre in ["action", "drama"]"#)
/// filter.matches(attributes: Array(#"{"year":1984,"genre":"action"}"#.utf8))  // true
/// ```
///
/// The language is Redis 8.8's (see `shared/spec/redis-vector-sets.md` §5) plus two post-8.8
/// additions: repeated unary nots (`!!x`, `not not x`) and escapes in string literals
/// (`\" \' \\ \n`, and `\r \t`). In short:
/// - `.field` reads a top-level member of the attribute JSON: numbers are numbers, `true` and
///   `false` are 1 and 0, strings are strings, `null` is null, arrays are tuples; anything
///   else (an object, a missing member, malformed JSON) fails the *whole element*, so
///   `.missing or 1` matches nothing;
/// - an element without attributes never matches, not even `1`; an expression without
///   selectors never reads the JSON, so it matches any element that has attributes;
/// - literals are numbers, `'…'`/`"…"` strings, `[…]` tuples of those, and `null` (there
///   are no `true`/`false` keywords); operators are lower-case only;
/// - precedence, high to low: `!`/`not`; `**` (right-associative); `* / %`; `+ -`;
///   `> >= < <= == != in`; `and`/`&&`; `or`/`||`;
/// - arithmetic and ordering compare numbers, reading strings with `strtod` (0 unless the
///   whole string is a number); `==` compares strings as bytes, numbers as numbers, null only
///   to null, and anything else as numbers (so `"hello" == 0`); `in` tests tuple membership
///   or, between two strings, substring.
///
/// Three deliberate differences from Redis 8.8, each only on input Redis mishandles: JSON
/// strings are unescaped fully (`\u00e9` is `é`; Redis keeps `u00e9`); a field is read with
/// ``JSONValue/init(parsing:)``'s strict grammar up to the end of its member (Redis skips
/// lax spellings such as `+1` or `01`); and operator sequences that are not infix
/// expressions (`1 2 +`) are syntax errors, which Redis's compiler lets through.
///
/// Matching is thread-safe and, for attributes whose selected fields are numbers, booleans,
/// null or strings without escapes, performs no heap allocation.
public struct FilterExpression: Sendable, CustomStringConvertible {
    /// The expression's text.
    public let source: String
    /// The fields the expression reads, each once, in order of first appearance.
    public let selectors: [String]
    /// Conditions on single fields that every accepted element meets (from the top-level `and`
    /// terms): what an attribute index can narrow candidates with.
    package let constraints: [FilterConstraint]
    let program: FilterProgram

    /// Compiles an expression.
    ///
    /// Like Redis, compilation stops at the first NUL byte of `source`.
    ///
    /// - Throws: ``FilterError`` carrying Redis's `syntax error in FILTER expression near: …`
    ///   message. Parentheses, unary operators and `**` chains nested deeper than 256 are
    ///   rejected the same way.
    /// - Complexity: O(*n*) in the length of `source`.
    public init(_ source: String) throws(FilterError) {
        let all = Array(source.utf8)
        let text = all.firstIndex(of: 0).map { Array(all[..<$0]) } ?? all
        let tokens: [FilterToken]
        let offsets: [Int]
        do {
            (tokens, offsets) = try FilterLexer.tokenizeWithOffsets(text)
        } catch {
            // A stop at the end (an unterminated string, an unknown word) is a mistake in its token.
            let offset = error.position >= text.count ? error.tokenStart : error.position
            throw FilterError(position: error.position, source: text, fullLength: all.count, offset: offset)
        }
        let tree: FilterSyntaxTree
        do {
            tree = try FilterParser.parse(tokens)
        } catch {
            let offset = error.token < offsets.count ? offsets[error.token] : text.count
            throw FilterError(position: 0, source: text, fullLength: all.count, offset: offset)
        }
        self.source = source
        self.selectors = tree.selectors.filter { !$0.isEmpty }.map { String(decoding: $0, as: UTF8.self) }
        self.program = FilterProgram(tree)
        self.constraints = FilterConstraint.extract(from: tree)
    }

    /// Whether an element with these attributes passes the filter.
    ///
    /// - Parameter attributes: The element's attribute bytes (meant to be JSON, never
    ///   validated as a whole); `nil` or empty means the element has none, which never matches.
    /// - Complexity: O(*n*) in the attribute bytes up to the last field the expression reads.
    public func matches(attributes: [UInt8]?) -> Bool {
        guard let attributes, !attributes.isEmpty else { return false }
        if let fixed = program.fixedResult { return fixed }
        return attributes.withUnsafeBufferPointer { program.matches($0) }
    }

    /// ``matches(attributes:)`` over bytes the caller holds, such as a mapped segment's.
    package func matches(attributeBytes: UnsafeBufferPointer<UInt8>) -> Bool {
        program.matches(attributeBytes)
    }

    /// The source text.
    public var description: String { source }
}
