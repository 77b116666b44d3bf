import QuiverFilter
import Testing

/// Fuzz-style checks: random bytes never trap the JSON parser, the field reader, the filter
/// compiler or the evaluator, and the reader always agrees with the tree parser.
@Suite struct RandomInputTests {
    static let jsonPieces: [String] = [
        "{", "}", "[", "]", ",", ":", "\"a\"", "\"b\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\uD800\"", "\"\\\"",
        "1", "-0.5e3", "01", "1e400", "true", "false", "null", "tru", " ", "\n", "\"x\\ny\"", "\u{0}", "é", "\u{FF}",
    ]
    static let filterPieces: [String] = [
        ".a", ".b", ".", "1", "-2", "1e3", "1e-3", "\"s\"", "'t'", "\"\\\"", "[1,\"x\"]", "[", "]", "null", "(", ")",
        "!", "not", "**", "*", "/", "%", "+", "-", "==", "!=", ">", ">=", "<", "<=", "in", "and", "or", "&&", "||",
        " ", "@", "true", "=", "é", "\u{0}",
    ]

    private func randomBytes(_ g: inout SplitMix64) -> [UInt8] {
        (0..<Int(g.next() % 40)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
    }

    private func randomText(_ g: inout SplitMix64, from pieces: [String]) -> String {
        (0..<Int(g.next() % 12)).map { _ in pieces[Int(g.next() % UInt64(pieces.count))] }.joined()
    }

    @Test func jsonParserAndReaderNeverTrap() {
        var g = SplitMix64(seed: 1)
        for i in 0..<20_000 {
            let bytes = i % 2 == 0 ? randomBytes(&g) : Array(randomText(&g, from: Self.jsonPieces).utf8)
            let tree = try? JSONValue(parsing: bytes)
            if let tree { #expect((try? JSONValue(parsing: tree.serialized())) == tree) }
            let reader = JSONFieldReader(bytes)
            for key in ["a", "b"] {
                if case .object? = tree { #expect((try? reader.value(forKey: key)) == tree?[key]) }
                _ = try? reader.value(forKey: key)
            }
        }
    }

    @Test func filterCompilerAndEvaluatorNeverTrap() {
        var g = SplitMix64(seed: 2)
        let documents =
            (0..<64).map { _ in Array(("{\"a\":" + randomText(&g, from: Self.jsonPieces)).utf8) }
            + [Array(#"{"a":1,"b":"x"}"#.utf8), Array(#"{"b":[1,[2]],"a":"\u00e9"}"#.utf8)]
        var compiled = 0
        for i in 0..<20_000 {
            let text =
                i % 2 == 0
                ? String(decoding: randomBytes(&g), as: UTF8.self) : randomText(&g, from: Self.filterPieces)
            do {
                let filter = try FilterExpression(text)
                compiled += 1
                for document in documents.prefix(8) { _ = filter.matches(attributes: document) }
                _ = filter.matches(attributes: documents[Int(g.next() % UInt64(documents.count))])
            } catch {
                #expect(error.message.utf8.starts(with: "syntax error in FILTER expression near: ".utf8))
            }
        }
        #expect(compiled > 300)
    }
}
