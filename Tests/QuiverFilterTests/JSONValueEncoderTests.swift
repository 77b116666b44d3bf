import QuiverFilter
import Testing

@Suite struct JSONValueEncoderTests {
    private func text(_ value: some Encodable, _ encoder: JSONValueEncoder = JSONValueEncoder()) throws -> String {
        String(decoding: try encoder.encodeToBytes(value), as: UTF8.self)
    }

    // MARK: Round trips

    @Test func richModelRoundTrips() throws {
        let bytes = try JSONValueEncoder().encodeToBytes(Library.sample)
        let decoded = try JSONValueDecoder().decode(Library.self, from: bytes)
        #expect(decoded == Library.sample)
        let value = try JSONValueEncoder().encode(Library.sample)
        #expect(try JSONValueDecoder().decode(Library.self, from: value) == Library.sample)
        #expect(value.serialized() == bytes)
        #expect(try JSONValue(parsing: bytes) == value)
    }

    @Test func richModelRoundTripsWithOmittedNils() throws {
        var encoder = JSONValueEncoder()
        encoder.nilEncodingStrategy = .omitKey
        let bytes = try encoder.encodeToBytes(Library.sample)
        #expect(try JSONValueDecoder().decode(Library.self, from: bytes) == Library.sample)
    }

    @Test func classHierarchiesAndUnkeyedContainersRoundTrip() throws {
        let values: [Packed] = [
            Packed(id: 1, label: "a", point: (0.5, -2), tags: ["x", "y"], owner: Dog(name: "Rex", breed: "collie")),
            Packed(id: -7, label: nil, point: (0, 0), tags: [], owner: Cat(name: "Tom", lives: 9)),
        ]
        for value in values {
            let bytes = try JSONValueEncoder().encodeToBytes(value)
            #expect(try JSONValueDecoder().decode(Packed.self, from: bytes) == value)
        }
        #expect(
            try text(values[0]) == #"[1,"a",{"x":0.5,"y":-2},["x","y"],{"breed":"collie","parent":{"name":"Rex"}}]"#)
        #expect(try text(values[1]) == #"[-7,null,{"x":0,"y":0},[],{"lives":9,"super":{"name":"Tom"}}]"#)
    }

    @Test(arguments: [
        Library.Event.opened(at: 5), .closed(reason: "r", permanent: true), .renovated,
        .moved(Library.Address(street: "s", city: "c", zip: nil, floor: 1), 2), .rated(nil), .rated(1.5),
    ])
    func enumsWithAssociatedValuesRoundTrip(_ event: Library.Event) throws {
        let bytes = try JSONValueEncoder().encodeToBytes(event)
        #expect(try JSONValueDecoder().decode(Library.Event.self, from: bytes) == event)
    }

    @Test func synthesizedFormsMatchSwiftsConventions() throws {
        #expect(try text(Library.Event.opened(at: 5)) == #"{"opened":{"at":5}}"#)
        #expect(try text(Library.Event.renovated) == #"{"renovated":{}}"#)
        #expect(
            try text(Library.Event.moved(.init(street: "s", city: "c", zip: nil, floor: 1), 2))
                == #"{"moved":{"_0":{"city":"c","floor":1,"street":"s","zip":null},"_1":2}}"#)
        #expect(try text(Library.Format.ebook) == #""e-book""#)
        #expect(try text(Library.Priority.high) == "10")
        // Keys that are neither String, Int nor CodingKeyRepresentable: alternating keys and values.
        #expect(try text([Library.Format.hardcover: 1]) == #"["hardcover",1]"#)
        #expect(try text(Library.Empty()) == "{}")
    }

    @Test func topLevelScalarsAndOptionals() throws {
        #expect(try JSONValueEncoder().encode(42) == .number(42))
        #expect(try JSONValueEncoder().encode("x") == .string("x"))
        #expect(try JSONValueEncoder().encode(true) == .bool(true))
        #expect(try JSONValueEncoder().encode(Int?.none) == .null)
        #expect(try JSONValueEncoder().encode(Int?.some(3)) == .number(3))
        #expect(try JSONValueEncoder().encode([Int?.none, 1]) == [nil, 1])
        #expect(try text(-0.0) == "-0")
        #expect(try text(Float(0.1)) == "0.1")
        #expect(try text(Float.greatestFiniteMagnitude) == "3.4028235e+38")
        #expect(try text(Int8.min) == "-128")
        #expect(try text(UInt8.max) == "255")
        #expect(try text([UInt8]([0, 255])) == "[0,255]")
        #expect(try text(9_007_199_254_740_991) == "9007199254740991")
        #expect(try text(-9_007_199_254_740_991) == "-9007199254740991")
    }

    // MARK: Determinism

    @Test func membersAreSortedByUTF8Bytes() throws {
        let value = ["b": 1, "a": 2, "é": 3, "z": 4, "\u{FFFF}": 5, "😀": 6, "": 7, "aa": 8, "A": 9]
        #expect(try text(value) == "{\"\":7,\"A\":9,\"a\":2,\"aa\":8,\"b\":1,\"z\":4,\"é\":3,\"\u{FFFF}\":5,\"😀\":6}")
    }

    @Test func largeDictionariesAreDeterministic() throws {
        var dictionary: [String: Int] = [:]
        for i in 0..<500 { dictionary["key\(i * 7919 % 500)"] = i }
        let bytes = try JSONValueEncoder().encodeToBytes(dictionary)
        guard case .object(let object) = try JSONValue(parsing: bytes) else {
            Issue.record("not an object")
            return
        }
        let keys = object.members.map(\.key)
        #expect(keys == dictionary.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        // Same content built in another order encodes to the same bytes.
        var reversed: [String: Int] = [:]
        for (key, value) in dictionary.sorted(by: { $0.key > $1.key }) { reversed[key] = value }
        #expect(try JSONValueEncoder().encodeToBytes(reversed) == bytes)
        #expect(try JSONValueDecoder().decode([String: Int].self, from: bytes) == dictionary)
    }

    /// Keys built to defeat the 16-byte fingerprints: shared long prefixes, NULs, keys that
    /// extend others; rewritten keys keep their last value.
    @Test func randomKeysSortByBytesAndLastWriteWins() throws {
        struct Writes: Encodable {
            var writes: [(String, Int)]
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: JSONCodingKeyForTests.self)
                for (key, value) in writes {
                    try container.encode(value, forKey: JSONCodingKeyForTests(stringValue: key))
                }
            }
        }
        var g = SplitMix64(seed: 0x50_87)
        let pieces = ["", "a", "\u{0}", "é", "z", "0123456789abcdef", "0123456789abcdeg", "\u{10FFFF}", "\u{7F}"]
        for _ in 0..<300 {
            var writes: [(String, Int)] = []
            for i in 0..<Int(g.next() % 40) {
                let key = (0..<Int(g.next() % 4)).map { _ in pieces[Int(g.next() % UInt64(pieces.count))] }.joined()
                writes.append((key, i))
            }
            guard case .object(let object) = try JSONValueEncoder().encode(Writes(writes: writes)) else {
                Issue.record("not an object")
                return
            }
            var last: [[UInt8]: Int] = [:]
            for (key, value) in writes { last[Array(key.utf8)] = value }
            let expected = last.keys.sorted { $0.lexicographicallyPrecedes($1) }
            #expect(object.members.map { Array($0.key.utf8) } == expected)
            #expect(object.members.map(\.value) == expected.map { .number(Double(last[$0]!)) })
        }
    }

    @Test func intKeyedDictionariesBecomeObjects() throws {
        #expect(try text([3: "c", -1: "a", 10: "b"]) == #"{"-1":"a","10":"b","3":"c"}"#)
        #expect(
            try JSONValueDecoder().decode([Int: String].self, from: Array(#"{"-1":"a","10":"b"}"#.utf8))
                == [-1: "a", 10: "b"])
    }

    @Test func nilStrategies() throws {
        struct Optionals: Codable { var a: Int?; var b: String?; var c: [Int]?; var d: Double? }
        let value = Optionals(a: nil, b: nil, c: nil, d: 1)
        #expect(try text(value) == #"{"a":null,"b":null,"c":null,"d":1}"#)
        var encoder = JSONValueEncoder()
        encoder.nilEncodingStrategy = .omitKey
        #expect(try text(value, encoder) == #"{"d":1}"#)
    }

    @Test func lastWriteOfAKeyWinsAndNestedContainersReopen() throws {
        struct Twice: Encodable {
            enum Keys: String, CodingKey { case a, b }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(1, forKey: .a)
                try container.encode("two", forKey: .a)
                var first = container.nestedContainer(keyedBy: Keys.self, forKey: .b)
                try first.encode(true, forKey: .a)
                var second = container.nestedContainer(keyedBy: Keys.self, forKey: .b)
                try second.encode(false, forKey: .b)
                var again = encoder.container(keyedBy: Keys.self)  // the same object
                try again.encodeNil(forKey: .b)
            }
        }
        #expect(try text(Twice()) == #"{"a":"two","b":null}"#)
    }

    @Test func superEncoderThatEncodesNothingLeavesAnEmptyObject() throws {
        struct Lazy: Encodable {
            enum Keys: String, CodingKey { case x }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                _ = container.superEncoder(forKey: .x)
                var unkeyed = container.nestedUnkeyedContainer(forKey: .x)  // replaces the placeholder
                try unkeyed.encode(1)
                _ = unkeyed.superEncoder()
            }
        }
        #expect(try text(Lazy()) == #"{"x":[1,{}]}"#)
    }

    @Test func codingPathsSeenByConformances() throws {
        final class Recorder: Encodable {
            var paths: [[String]] = []
            struct Leaf: Encodable {
                let recorder: Recorder
                func encode(to encoder: any Encoder) throws {
                    recorder.paths.append(pathStrings(encoder.codingPath))
                    var container = encoder.singleValueContainer()
                    try container.encode(1)
                }
            }
            enum Keys: String, CodingKey { case a, b }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(Leaf(recorder: self), forKey: .a)
                var list = container.nestedUnkeyedContainer(forKey: .b)
                try list.encode(Leaf(recorder: self))
                try list.encode(Leaf(recorder: self))
                var nested = list.nestedContainer(keyedBy: Keys.self)
                try nested.encode(Leaf(recorder: self), forKey: .b)
                paths.append(pathStrings(nested.codingPath))
            }
        }
        let recorder = Recorder()
        _ = try JSONValueEncoder().encode(recorder)
        #expect(
            recorder.paths == [["a"], ["b", "Index 0"], ["b", "Index 1"], ["b", "Index 2", "b"], ["b", "Index 2"]])
    }

    @Test func userInfoReachesConformances() throws {
        struct Reader: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(encoder.userInfo[CodingUserInfoKey(rawValue: "unit")!] as? String ?? "none")
            }
        }
        var encoder = JSONValueEncoder()
        #expect(try text(Reader(), encoder) == #""none""#)
        encoder.userInfo[CodingUserInfoKey(rawValue: "unit")!] = "cm"
        #expect(try text(Reader(), encoder) == #""cm""#)
    }

    // MARK: Errors

    private func invalidValue(_ body: () throws -> Void) -> (path: [String], message: String)? {
        do {
            try body()
        } catch EncodingError.invalidValue(_, let context) {
            return (pathStrings(context.codingPath), context.debugDescription)
        } catch {
            Issue.record("unexpected error \(error)")
        }
        return nil
    }

    @Test func nonFiniteNumbersThrowWithTheirPath() throws {
        struct Reading: Encodable { var value: Double; var values: [Float] }
        let top = invalidValue { _ = try JSONValueEncoder().encode(Double.infinity) }
        #expect(top?.path == [])
        #expect(top?.message == "Unable to encode Double.infinity in JSON: JSON numbers must be finite.")
        let member = invalidValue { _ = try JSONValueEncoder().encode(Reading(value: -.infinity, values: [])) }
        #expect(member?.path == ["value"])
        #expect(member?.message.contains("Double.-infinity") == true)
        let element = invalidValue { _ = try JSONValueEncoder().encode(Reading(value: 0, values: [1, 2, .nan])) }
        #expect(element?.path == ["values", "Index 2"])
        #expect(element?.message == "Unable to encode Float.nan in JSON: JSON numbers must be finite.")
        let optional = invalidValue { _ = try JSONValueEncoder().encode(["k": Double?.some(.nan)]) }
        #expect(optional?.path == ["k"])
        let single = invalidValue { _ = try JSONValueEncoder().encode([Float.infinity]) }
        #expect(single?.path == ["Index 0"])
    }

    @Test func integersBeyondTwoToThe53Throw() throws {
        struct Big: Encodable { var id: Int64; var ids: [UInt64]; var n: Int? }
        for value: any Encodable in [
            Int64.max, Int64.min, UInt64.max, Int.max, Int.min, UInt.max, Int64(1) << 53, -(Int(1) << 53),
        ] {
            let failure = invalidValue { _ = try JSONValueEncoder().encode(value) }
            #expect(failure?.message.contains("2^53 - 1") == true)
        }
        #expect(invalidValue { _ = try JSONValueEncoder().encode(Big(id: 1 << 60, ids: [], n: nil)) }?.path == ["id"])
        #expect(
            invalidValue { _ = try JSONValueEncoder().encode(Big(id: 0, ids: [1, .max], n: nil)) }?.path == [
                "ids", "Index 1",
            ])
        #expect(invalidValue { _ = try JSONValueEncoder().encode(Big(id: 0, ids: [], n: .min)) }?.path == ["n"])
        #expect(try JSONValueEncoder().encode(Int64((1 << 53) - 1)) == .number(9_007_199_254_740_991))
    }

    @Test func aTopLevelValueThatEncodesNothingThrows() throws {
        struct Silent: Encodable { func encode(to encoder: any Encoder) throws {} }
        let failure = invalidValue { _ = try JSONValueEncoder().encode(Silent()) }
        #expect(failure?.message == "Top-level Silent did not encode any values.")
        // Nested, such a value is an empty object, as in Foundation.
        #expect(try text(["a": Silent()]) == #"{"a":{}}"#)
    }

    @Test func errorsFromConformancesPassThrough() throws {
        struct Custom: Error {}
        struct Failing: Encodable { func encode(to encoder: any Encoder) throws { throw Custom() } }
        #expect(throws: Custom.self) { try JSONValueEncoder().encode([Failing()]) }
    }
}

/// A key for any string.
struct JSONCodingKeyForTests: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
