import QuiverFilter
import Testing

@Suite struct JSONValueDecoderTests {
    private func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONValueDecoder().decode(type, from: Array(text.utf8))
    }

    /// The error `decode` throws, as (kind, path, message).
    private func failure<T: Decodable>(
        _ type: T.Type, _ text: String
    ) -> (kind: String, path: [String], message: String)? {
        do {
            _ = try decode(type, text)
            Issue.record("decoding \(text) as \(type) succeeded")
        } catch let error as DecodingError {
            switch error {
            case .typeMismatch(_, let c): return ("typeMismatch", pathStrings(c.codingPath), c.debugDescription)
            case .valueNotFound(_, let c): return ("valueNotFound", pathStrings(c.codingPath), c.debugDescription)
            case .keyNotFound(let key, let c):
                return ("keyNotFound", pathStrings(c.codingPath) + ["→" + key.stringValue], c.debugDescription)
            case .dataCorrupted(let c): return ("dataCorrupted", pathStrings(c.codingPath), c.debugDescription)
            @unknown default: Issue.record("unknown \(error)")
            }
        } catch {
            Issue.record("not a DecodingError: \(error)")
        }
        return nil
    }

    struct Point: Codable, Equatable { var x: Int8; var y: Double; var label: String?; var on: Bool }
    struct Shape: Codable, Equatable { var points: [Point]; var meta: [String: Point]; var id: UInt64 }

    // MARK: Successes

    @Test func decodesAcrossWhitespaceDuplicatesAndUnknownKeys() throws {
        let text =
            #" { "points" : [ {"x":-128,"y":1e2,"on":false,"extra":[1,{}]} ], "meta":{}, "id": 9007199254740991, "id": 1 } "#
        let shape = try decode(Shape.self, text)
        #expect(
            shape
                == Shape(points: [Point(x: -128, y: 100, label: nil, on: false)], meta: [:], id: 9_007_199_254_740_991))
    }

    @Test func nullAndMissingAreNilForOptionals() throws {
        #expect(try decode(Point.self, #"{"x":1,"y":2,"label":null,"on":true}"#).label == nil)
        #expect(try decode(Point.self, #"{"x":1,"y":2,"on":true}"#).label == nil)
        #expect(try decode([Int?].self, "[null,1]") == [nil, 1])
        #expect(try decode(Int?.self, "null") == nil)
        #expect(try decode(String?.self, #""x""#) == "x")
    }

    @Test func integralNumbersDecodeIntoEveryWidth() throws {
        #expect(try decode(Int8.self, "-128") == .min)
        #expect(try decode(UInt8.self, "255") == .max)
        #expect(try decode(Int16.self, "-32768") == .min)
        #expect(try decode(UInt16.self, "6.5535e4") == .max)
        #expect(try decode(Int32.self, "-2147483648") == .min)
        #expect(try decode(UInt32.self, "4294967295") == .max)
        #expect(try decode(Int64.self, "-9007199254740991") == -9_007_199_254_740_991)
        #expect(try decode(UInt64.self, "9007199254740991") == 9_007_199_254_740_991)
        #expect(try decode(Int.self, "1.0") == 1)
        #expect(try decode(UInt.self, "-0") == 0)
        #expect(try decode(Float.self, "3.4028235e38") == .greatestFiniteMagnitude)
        #expect(try decode(Float.self, "1e-45") == .leastNonzeroMagnitude)
        #expect(try decode(Float.self, "-0").sign == .minus)
        #expect(try decode(Double.self, "-0").sign == .minus)
        #expect(try decode([UInt8].self, "[0,1,255]") == [0, 1, 255])
    }

    @Test func keyedContainerAPIs() throws {
        struct Probe: Decodable {
            enum Keys: String, CodingKey { case a, b, c, missing }
            var keys: [String]
            var containsMissing: Bool
            var bIsNil: Bool
            var c: [String: Int]
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: Keys.self)
                keys = container.allKeys.map(\.stringValue)
                containsMissing = container.contains(.missing)
                bIsNil = try container.decodeNil(forKey: .b)
                var nested = try container.nestedUnkeyedContainer(forKey: .a)
                #expect(nested.count == 2 && nested.currentIndex == 0)
                #expect(try nested.decodeNil() == false)
                #expect(try nested.decode(Int.self) == 1)
                #expect(try nested.decodeNil() == true)
                #expect(nested.isAtEnd && nested.currentIndex == 2)
                let object = try container.nestedContainer(keyedBy: JSONKey.self, forKey: .c)
                var c: [String: Int] = [:]
                for key in object.allKeys { c[key.stringValue] = try object.decode(Int.self, forKey: key) }
                self.c = c
                #expect(try container.decodeIfPresent(Int.self, forKey: .missing) == nil)
                #expect(try container.decodeIfPresent(Int.self, forKey: .b) == nil)
                #expect(try container.superDecoder(forKey: .missing).singleValueContainer().decodeNil())
                #expect(try container.superDecoder().singleValueContainer().decodeNil())
            }
        }
        struct JSONKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        // `zz` is unknown to `Keys` and left out of allKeys; the duplicate `a` is listed once.
        let probe = try decode(Probe.self, #"{"a":[1,null],"zz":0,"b":null,"a":0,"c":{"q":1,"r":2}}"#)
        #expect(probe.keys == ["a", "b", "c"])
        #expect(!probe.containsMissing && probe.bIsNil)
        #expect(probe.c == ["q": 1, "r": 2])
    }

    @Test func largeObjectsUseTheIndexAndKeepFirstDuplicate() throws {
        var members = (0..<100).map { #""k\#($0)":\#($0)"# }
        members.append(#""k5":-1"#)
        let dictionary = try decode([String: Int].self, "{" + members.joined(separator: ",") + "}")
        #expect(dictionary.count == 100)
        #expect(dictionary["k5"] == 5)
        #expect(dictionary["k99"] == 99)
    }

    /// Lookups in small (fingerprint scan) and large (hash table) objects find the first member
    /// with exactly the key's bytes, for keys sharing long prefixes, NULs, and canonically
    /// equivalent spellings.
    @Test(arguments: [10, 100])
    func lookupsMatchBytesExactly(_ filler: Int) throws {
        let keys = [
            "0123456789abcdef", "0123456789abcdefX", "0123456789abcdefY", "a", "a\u{0}", "\u{E9}", "e\u{301}", "",
        ]
        var members = keys.enumerated().map { JSONObject.Member(key: $0.element, value: .number(Double($0.offset))) }
        members += (0..<filler).map { JSONObject.Member(key: "filler\($0)", value: .null) }
        members.append(JSONObject.Member(key: "a", value: .number(-1)))  // a later duplicate loses
        let value = JSONValue.object(JSONObject(members))
        let decoded = try JSONValueDecoder().decode([String: Int?].self, from: value)
        #expect(decoded.count == keys.count + filler - 1)  // Swift's Dictionary merges "é" and "e\u{301}"
        for (i, key) in keys.enumerated() {
            struct One: Decodable {
                var value: Int
                init(from decoder: any Decoder) throws {
                    let key = decoder.userInfo[CodingUserInfoKey(rawValue: "key")!] as! String
                    let container = try decoder.container(keyedBy: JSONCodingKeyForTests.self)
                    value = try container.decode(Int.self, forKey: JSONCodingKeyForTests(stringValue: key))
                }
            }
            var decoder = JSONValueDecoder()
            decoder.userInfo[CodingUserInfoKey(rawValue: "key")!] = key
            #expect(try decoder.decode(One.self, from: value).value == i, "key \(Array(key.utf8))")
        }
    }

    @Test func userInfoReachesConformances() throws {
        struct Reader: Decodable {
            var unit: String?
            init(from decoder: any Decoder) throws {
                unit = decoder.userInfo[CodingUserInfoKey(rawValue: "unit")!] as? String
            }
        }
        var decoder = JSONValueDecoder()
        decoder.userInfo[CodingUserInfoKey(rawValue: "unit")!] = "cm"
        #expect(try decoder.decode(Reader.self, from: .null).unit == "cm")
    }

    // MARK: Errors

    @Test func invalidJSONIsDataCorruptedWithTheParserError() throws {
        do {
            _ = try JSONValueDecoder().decode(Int.self, from: Array("[1,".utf8))
            Issue.record("decoded")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.codingPath.isEmpty)
            #expect(
                context.debugDescription
                    == "The given data was not valid JSON (invalid JSON at byte 3: unexpected end of input).")
            #expect((context.underlyingError as? JSONError) == JSONError(.unexpectedEnd, at: 3))
        }
    }

    @Test(
        arguments: [
            // (type, text, kind, path, message)
            ("Int", #""1""#, "typeMismatch", [], "Expected to decode Int but found a string instead."),
            ("String", "1", "typeMismatch", [], "Expected to decode String but found a number instead."),
            ("Bool", "1", "typeMismatch", [], "Expected to decode Bool but found a number instead."),
            ("Double", "true", "typeMismatch", [], "Expected to decode Double but found a boolean instead."),
            ("Float", "[]", "typeMismatch", [], "Expected to decode Float but found an array instead."),
            ("[Int]", "{}", "typeMismatch", [], "Expected to decode Array<Any> but found an object instead."),
            (
                "Point", "[]", "typeMismatch", [],
                "Expected to decode Dictionary<String, Any> but found an array instead."
            ),
            ("Int", "null", "valueNotFound", [], "Expected Int value but found null."),
            ("Point", "null", "valueNotFound", [], "Expected an object for a keyed container but found null."),
            ("[Int]", "null", "valueNotFound", [], "Expected an array for an unkeyed container but found null."),
            ("Int", "1.5", "dataCorrupted", [], "Expected to decode Int but found a number that is not an integer."),
            ("Int8", "128", "dataCorrupted", [], "The number does not fit in Int8."),
            ("UInt", "-1", "dataCorrupted", [], "The number does not fit in UInt."),
            ("UInt16", "1e10", "dataCorrupted", [], "The number does not fit in UInt16."),
            (
                "Int64", "9007199254740992", "dataCorrupted", [],
                "The number exceeds 2^53 - 1 in magnitude, beyond which JSON numbers (doubles) do not hold integers exactly; store such Int64 values as strings."
            ),
            ("UInt64", "1e20", "dataCorrupted", [], "The number does not fit in UInt64."),
            ("Int", "-1e300", "dataCorrupted", [], "The number does not fit in Int."),
            ("Float", "1e39", "dataCorrupted", [], "The number does not fit in Float."),
            ("Float", "-1e-50", "dataCorrupted", [], "The number does not fit in Float."),
        ] as [(String, String, String, [String], String)])
    func scalarErrors(_ type: String, _ text: String, _ kind: String, _ path: [String], _ message: String) throws {
        let result: (kind: String, path: [String], message: String)?
        switch type {
        case "Int": result = failure(Int.self, text)
        case "Int8": result = failure(Int8.self, text)
        case "Int64": result = failure(Int64.self, text)
        case "UInt": result = failure(UInt.self, text)
        case "UInt16": result = failure(UInt16.self, text)
        case "UInt64": result = failure(UInt64.self, text)
        case "String": result = failure(String.self, text)
        case "Bool": result = failure(Bool.self, text)
        case "Double": result = failure(Double.self, text)
        case "Float": result = failure(Float.self, text)
        case "[Int]": result = failure([Int].self, text)
        default: result = failure(Point.self, text)
        }
        #expect(result?.kind == kind)
        #expect(result?.path == path)
        #expect(result?.message == message)
    }

    @Test func errorsCarryTheCodingPath() throws {
        let good = #"{"x":1,"y":2,"on":true}"#
        func shape(_ point: String, id: String = "1") -> String {
            #"{"points":[\#(good),\#(point)],"meta":{"m":\#(good)},"id":\#(id)}"#
        }

        #expect(
            failure(Shape.self, shape(#"{"x":1,"y":2}"#))! == (
                "keyNotFound", ["points", "Index 1", "→on"],
                #"No value associated with key CodingKeys(stringValue: "on", intValue: nil) ("on")."#
            ))
        #expect(failure(Shape.self, shape(#"{"x":1,"y":2,"on":1}"#))!.path == ["points", "Index 1", "on"])
        #expect(
            failure(Shape.self, shape(#"{"x":1000,"y":2,"on":true}"#))! == (
                "dataCorrupted", ["points", "Index 1", "x"],
                "The number does not fit in Int8."
            ))
        #expect(failure(Shape.self, shape(#"{"x":1,"y":null,"on":true}"#))!.kind == "valueNotFound")
        #expect(
            failure(Shape.self, shape(#"{"x":1,"y":2,"on":true,"label":7}"#))!.path == ["points", "Index 1", "label"])
        #expect(failure(Shape.self, shape(good, id: "-3"))!.path == ["id"])
        #expect(
            failure(Shape.self, #"{"points":[],"meta":{"m":{"x":1.5,"y":2,"on":true}},"id":1}"#)!.path == [
                "meta", "m", "x",
            ])
        #expect(failure(Shape.self, #"{"points":[],"meta":[],"id":1}"#)!.path == ["meta"])
        #expect(failure([[Int]].self, "[[1],[2,\"3\"]]")!.path == ["Index 1", "Index 1"])
        #expect(failure([Int?].self, "[1,true]")!.path == ["Index 1"])
    }

    @Test func unkeyedContainerAtEnd() throws {
        struct Pair: Decodable {
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                _ = try container.decode(Int.self)
                _ = try container.decode(Int.self)
            }
        }
        #expect(failure(Pair.self, "[1]")! == ("valueNotFound", ["Index 1"], "Unkeyed container is at end."))
        struct Nils: Decodable {
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                _ = try container.decodeNil()
            }
        }
        #expect(failure(Nils.self, "[]")!.kind == "valueNotFound")
        struct Nested: Decodable {
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                _ = try container.nestedUnkeyedContainer()
            }
        }
        #expect(failure(Nested.self, "[]")!.kind == "valueNotFound")
        #expect(
            failure(Nested.self, "[{}]")! == (
                "typeMismatch", ["Index 0"], "Expected to decode Array<Any> but found an object instead."
            ))
    }

    @Test func nestedContainersOfTheWrongKind() throws {
        struct Wants: Decodable {
            enum Keys: String, CodingKey { case a }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: Keys.self)
                _ = try container.nestedContainer(keyedBy: Keys.self, forKey: .a)
            }
        }
        #expect(failure(Wants.self, "{}")!.kind == "keyNotFound")
        #expect(
            failure(Wants.self, #"{"a":[]}"#)! == (
                "typeMismatch", ["a"], "Expected to decode Dictionary<String, Any> but found an array instead."
            ))
        #expect(
            failure(Wants.self, #"{"a":null}"#)! == (
                "valueNotFound", ["a"], "Expected an object for a keyed container but found null."
            ))
    }

    @Test func synthesizedEnumErrorsPassThroughWithPaths() throws {
        #expect(failure(Library.Format.self, #""vinyl""#)!.kind == "dataCorrupted")
        #expect(failure([Library.Priority].self, "[1,2]")!.path == ["Index 1"])
        #expect(failure(Library.Event.self, #"{"opened":{"at":1},"renovated":{}}"#)!.kind == "typeMismatch")
        #expect(failure(Library.Event.self, #"{"opened":{}}"#)!.path == ["opened", "→at"])
        #expect(failure([Int: String].self, #"{"x":"y"}"#) != nil)
    }

    @Test func errorsFromConformancesPassThrough() throws {
        struct Custom: Error {}
        struct Failing: Decodable { init(from decoder: any Decoder) throws { throw Custom() } }
        #expect(throws: Custom.self) { try JSONValueDecoder().decode([Failing].self, from: JSONValue.array([1])) }
    }

    @Test func messagesNeverContainTheDocumentsValues() throws {
        let secret = "hunter2-secret"
        for (type, text) in [("Int", #""\#(secret)""#), ("Int8", "987654"), ("Point", #"{"x":"\#(secret)"}"#)] {
            let result =
                type == "Int"
                ? failure(Int.self, text) : type == "Int8" ? failure(Int8.self, text) : failure(Point.self, text)
            #expect(result.map { !$0.message.contains(secret) && !$0.message.contains("987654") } == true)
        }
    }
}
