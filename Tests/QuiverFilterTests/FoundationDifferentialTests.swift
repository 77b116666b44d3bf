import Foundation
import QuiverFilter
import Testing

/// JSONValueEncoder/JSONValueDecoder against Foundation's JSONEncoder/JSONDecoder on random
/// values: each side decodes what the other encoded back to the original value, and both
/// encoders write the same JSON tree (member order aside).
///
/// Foundation is imported here only; the module under test never imports it.
@Suite struct FoundationDifferentialTests {
    struct Sample: Codable, Equatable {
        struct Inner: Codable, Equatable {
            var name: String
            var weight: Double?
            var flags: [Bool?]
        }

        enum Choice: Codable, Equatable {
            case none
            case number(Int32)
            case pair(left: String, right: Float)
            case inner(Inner)
        }

        enum Kind: String, Codable, CaseIterable { case alpha, beta, gamma = "γ" }

        var int: Int
        var int8: Int8
        var int16: Int16
        var int32: Int32
        var int64: Int64
        var uint: UInt
        var uint8: UInt8
        var uint16: UInt16
        var uint32: UInt32
        var uint64: UInt64
        var double: Double
        var float: Float
        var bool: Bool
        var string: String
        var optionalString: String?
        var optionalInt: Int?
        var bytes: [UInt8]
        var doubles: [String: Double]
        var byID: [Int: String]
        var inners: [Inner]
        var choice: Choice
        var kinds: [Kind]
        var matrix: [[Int16]]
    }

    @Test func randomValuesAgreeWithFoundation() throws {
        var g = SplitMix64(seed: 0xF0_0D)
        let foundationEncoder = JSONEncoder()
        let prettyEncoder = JSONEncoder()
        prettyEncoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var omitting = JSONValueEncoder()
        omitting.nilEncodingStrategy = .omitKey
        for round in 0..<400 {
            let value = Self.randomSample(&g)
            let theirs = Array(try (round % 4 == 0 ? prettyEncoder : foundationEncoder).encode(value))
            let ours = try JSONValueEncoder().encodeToBytes(value)

            // Each decoder reads the other encoder's text back to the original.
            #expect(try JSONValueDecoder().decode(Sample.self, from: theirs) == value, "round \(round)")
            #expect(try JSONDecoder().decode(Sample.self, from: Data(ours)) == value, "round \(round)")
            #expect(try JSONValueDecoder().decode(Sample.self, from: ours) == value, "round \(round)")

            // Same tree: Foundation also leaves nil members out.
            let theirTree = Self.sortedMembers(try JSONValue(parsing: theirs))
            #expect(theirTree == (try omitting.encode(value)), "round \(round)")
        }
    }

    /// Foundation's decoder and ours agree on which texts decode, for near-miss inputs.
    @Test(arguments: [
        ("Int8", "127"), ("Int8", "128"), ("Int8", "-129"), ("Int", "1.5"), ("Int", "1e2"), ("UInt", "-1"),
        ("UInt8", "255"), ("UInt16", "65536"), ("Bool", "0"), ("Bool", "true"), ("String", "1"), ("Double", "\"1\""),
        ("Float", "1e39"), ("Float", "1e-46"), ("Int", "null"), ("OptionalInt", "null"), ("OptionalInt", "7"),
        ("Int32", "-2147483648"), ("Int32", "2147483648"),
    ])
    func acceptanceMatchesFoundation(_ type: String, _ text: String) throws {
        func both<T: Decodable & Equatable>(_: T.Type) -> (ours: T?, theirs: T?) {
            (
                try? JSONValueDecoder().decode(T.self, from: Array(text.utf8)),
                try? JSONDecoder().decode(T.self, from: Data(text.utf8))
            )
        }
        switch type {
        case "Int8": let r = both(Int8.self); #expect(r.ours == r.theirs)
        case "Int": let r = both(Int.self); #expect(r.ours == r.theirs)
        case "UInt": let r = both(UInt.self); #expect(r.ours == r.theirs)
        case "UInt8": let r = both(UInt8.self); #expect(r.ours == r.theirs)
        case "UInt16": let r = both(UInt16.self); #expect(r.ours == r.theirs)
        case "Int32": let r = both(Int32.self); #expect(r.ours == r.theirs)
        case "Bool": let r = both(Bool.self); #expect(r.ours == r.theirs)
        case "String": let r = both(String.self); #expect(r.ours == r.theirs)
        case "Double": let r = both(Double.self); #expect(r.ours == r.theirs)
        case "Float": let r = both(Float.self); #expect(r.ours == r.theirs)
        default: let r = both(Int?.self); #expect(r.ours == r.theirs)
        }
    }

    // MARK: Generators

    /// Sorts object members by the UTF-8 bytes of their keys, recursively.
    static func sortedMembers(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements): return .array(elements.map(sortedMembers))
        case .object(let object):
            let members = object.members
                .map { JSONObject.Member(key: $0.key, value: sortedMembers($0.value)) }
                .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            return .object(JSONObject(members))
        default: return value
        }
    }

    static func randomSample(_ g: inout SplitMix64) -> Sample {
        let safe = Int64((1 << 53) - 1)
        return Sample(
            int: Int(randomInteger(&g, in: -safe...safe)),
            int8: Int8(truncatingIfNeeded: g.next()),
            int16: Int16(truncatingIfNeeded: g.next()),
            int32: Int32(truncatingIfNeeded: g.next()),
            int64: randomInteger(&g, in: -safe...safe),
            uint: UInt(randomInteger(&g, in: 0...safe)),
            uint8: UInt8(truncatingIfNeeded: g.next()),
            uint16: UInt16(truncatingIfNeeded: g.next()),
            uint32: UInt32(truncatingIfNeeded: g.next()),
            uint64: UInt64(randomInteger(&g, in: 0...safe)),
            double: randomDouble(&g),
            float: randomFloat(&g),
            bool: g.next() & 1 == 0,
            string: randomString(&g),
            optionalString: g.next() & 1 == 0 ? nil : randomString(&g),
            optionalInt: g.next() & 1 == 0 ? nil : Int(Int32(truncatingIfNeeded: g.next())),
            bytes: (0..<Int(g.next() % 6)).map { _ in UInt8(truncatingIfNeeded: g.next()) },
            doubles: Dictionary(
                (0..<Int(g.next() % 5)).map { _ in (randomString(&g), randomDouble(&g)) },
                uniquingKeysWith: { a, _ in a }),
            byID: Dictionary(
                (0..<Int(g.next() % 5)).map { _ in (Int(Int32(truncatingIfNeeded: g.next())), randomString(&g)) },
                uniquingKeysWith: { a, _ in a }),
            inners: (0..<Int(g.next() % 3)).map { _ in randomInner(&g) },
            choice: {
                switch g.next() % 4 {
                case 0: .none
                case 1: .number(Int32(truncatingIfNeeded: g.next()))
                case 2: .pair(left: randomString(&g), right: randomFloat(&g))
                default: .inner(randomInner(&g))
                }
            }(),
            kinds: (0..<Int(g.next() % 4)).map { _ in Sample.Kind.allCases[Int(g.next() % 3)] },
            matrix: (0..<Int(g.next() % 3)).map { _ in
                (0..<Int(g.next() % 3)).map { _ in Int16(truncatingIfNeeded: g.next()) }
            })
    }

    static func randomInner(_ g: inout SplitMix64) -> Sample.Inner {
        Sample.Inner(
            name: randomString(&g), weight: g.next() & 1 == 0 ? nil : randomDouble(&g),
            flags: (0..<Int(g.next() % 4)).map { _ in [nil, true, false][Int(g.next() % 3)] })
    }

    /// Mostly small integers, sometimes the extremes.
    static func randomInteger(_ g: inout SplitMix64, in range: ClosedRange<Int64>) -> Int64 {
        switch g.next() % 4 {
        case 0: return range.lowerBound
        case 1: return range.upperBound
        case 2: return Int64.random(in: max(range.lowerBound, -1000)...min(range.upperBound, 1000), using: &g)
        default: return Int64.random(in: range, using: &g)
        }
    }

    static func randomDouble(_ g: inout SplitMix64) -> Double {
        switch g.next() % 4 {
        case 0: return Double(Int(g.next() % 20_001) - 10_000) / 100
        case 1:
            return [0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e21, 1e-7][
                Int(g.next() % 7)]
        default:
            while true {
                let value = Double(bitPattern: g.next())
                if value.isFinite { return value }
            }
        }
    }

    static func randomFloat(_ g: inout SplitMix64) -> Float {
        switch g.next() % 3 {
        case 0:
            return [0, 0.1, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude][
                Int(g.next() % 5)]
        default:
            while true {
                let value = Float(bitPattern: UInt32(truncatingIfNeeded: g.next()))
                if value.isFinite { return value }
            }
        }
    }

    static func randomString(_ g: inout SplitMix64) -> String {
        let alphabet: [Unicode.Scalar] = [
            "a", "b", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "€", "\u{2028}",
            "\u{FFFF}", "😀", "\u{10FFFF}", "\u{301}",
        ]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int(g.next() % 8) { scalars.append(alphabet[Int(g.next() % UInt64(alphabet.count))]) }
        return String(scalars)
    }
}
