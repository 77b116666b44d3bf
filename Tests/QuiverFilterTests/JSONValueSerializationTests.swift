import QuiverFilter
import Testing

@Suite struct JSONValueSerializationTests {
    /// Compact texts in `JSON.stringify`'s form come back byte for byte.
    @Test(arguments: [
        #"{"a":1,"b":[true,false,null],"c":"x\"y\\z\n","d":0.5,"e":-1.5e-7,"f":1e+21,"g":123456789012,"h":{}}"#,
        #"[]"#, #"{}"#, #"[[],[[]],{"":""}]"#, #""\u0000\u001f\b\f\n\r\t""#, #""é€😀/<>&'""#, #"-0"#, #"0"#,
        #"{"a":1,"a":2}"#, #"[0.1,0.30000000000000004,100,1e+100,1.7976931348623157e+308,5e-324,0.000001,1e-7]"#,
        #"[1152921504606847000,123456789.125,-123.456,100000000000000000000,1.2345678901234568e+21]"#,
        #"{"title":"The Matrix","year":1999,"rating":8.7,"tags":["sci-fi","action"],"active":true,"z":null}"#,
    ])
    func compactTextRoundTripsByteForByte(_ text: String) throws {
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(String(decoding: value.serialized(), as: UTF8.self) == text)
        #expect(value.description == text)
    }

    /// Other spellings of the same value come back in the canonical form.
    @Test(arguments: [
        (" { \"a\" : [ 1 , 2 ] } ", #"{"a":[1,2]}"#), ("1.0", "1"), ("1E2", "100"), ("1e-2", "0.01"),
        ("1.5E+300", "1.5e+300"), (#""\u00e9\/\u0041""#, #""é/A""#), (#""\ud83d\ude00""#, #""😀""#),
        ("12345678901234567890", "12345678901234567000"), ("0.0000001", "1e-7"), ("-0.0", "-0"),
        (#""\u007f""#, "\"\u{7F}\""), ("123e-20", "1.23e-18"),
    ])
    func otherSpellingsAreNormalized(_ text: String, _ canonical: String) throws {
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(value.description == canonical)
    }

    @Test func nonFiniteNumbersBecomeNull() {
        let value: JSONValue = [.number(.infinity), .number(-.infinity), .number(.nan)]
        #expect(value.description == "[null,null,null]")
    }

    /// Random trees survive serialize → parse unchanged, and serializing is idempotent.
    @Test func randomValuesRoundTrip() throws {
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<2000 {
            let value = randomValue(&generator, depth: 0)
            let text = value.serialized()
            let parsed = try JSONValue(parsing: text)
            #expect(parsed == value)
            #expect(parsed.serialized() == text)
        }
    }

    private func randomValue(_ g: inout SplitMix64, depth: Int) -> JSONValue {
        switch g.next() % (depth < 4 ? 8 : 5) {
        case 0: return .null
        case 1: return .bool(g.next() & 1 == 0)
        case 2: return .number(randomNumber(&g))
        case 3, 4: return .string(randomString(&g))
        case 5, 6:
            return .array((0..<Int(g.next() % 5)).map { _ in randomValue(&g, depth: depth + 1) })
        default:
            let members = (0..<Int(g.next() % 5)).map { _ in
                JSONObject.Member(key: randomString(&g), value: randomValue(&g, depth: depth + 1))
            }
            return .object(JSONObject(members))
        }
    }

    private func randomNumber(_ g: inout SplitMix64) -> Double {
        switch g.next() % 4 {
        case 0: return Double(Int64(bitPattern: g.next()) >> Int64(g.next() % 63))
        case 1: return Double(Int(g.next() % 20_001) - 10_000) / 100
        default:
            while true {
                let value = Double(bitPattern: g.next())
                if value.isFinite { return value }
            }
        }
    }

    private func randomString(_ g: inout SplitMix64) -> String {
        let alphabet: [Unicode.Scalar] = [
            "a", "b", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "€", "\u{2028}",
            "\u{FFFF}", "😀", "\u{10FFFF}",
        ]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int(g.next() % 8) { scalars.append(alphabet[Int(g.next() % UInt64(alphabet.count))]) }
        return String(scalars)
    }
}

/// A small deterministic generator (Steele, Lea and Flood's SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
