@testable import QuiverFilter
import Testing

/// Whether `expression` matches an element whose attributes are `json` (nil: no attributes).
func matches(_ expression: String, _ json: String?) throws -> Bool {
    try FilterExpression(expression).matches(attributes: json.map { Array($0.utf8) })
}

/// The rules of the spec's §5, with its examples.
@Suite struct FilterExpressionTests {
    static let movie =
        #"{"title":"Alien","year":1985,"genre":"action","rating":8.5,"director":"Nolan","age":25,"#
        + #""active":true,"off":false,"z":null,"tags":["x","y"],"scores":[],"name":"Alice","n-3":7}"#

    // MARK: §5.5 examples verified on Redis

    @Test(arguments: [
        (".year >= 1980 and .year < 1990", true),
        (#".genre == "action" and .rating > 8.0"#, true),
        (#".director in ["Spielberg","Nolan"]"#, true),
        ("(.year - 2000) ** 2 < 100", false),
        (".active", true),
        (".z == null", true),
        ("!(.age == 25)", false),
        (#""lic" in .name"#, true),
    ])
    func specExamples(_ expression: String, _ expected: Bool) throws {
        #expect(try matches(expression, Self.movie) == expected)
    }

    // MARK: §5.1 selectors

    @Test func selectorsReadTopLevelKeysOnly() throws {
        #expect(try matches(".n-3 == 7", Self.movie))
        #expect(try matches(".n - 3 == 4", #"{"n":7}"#))
        #expect(try !matches(".a == 1", #"{"o":{"a":1}}"#))
        #expect(throws: FilterError.self) { try FilterExpression(".a.b") }
    }

    @Test func aBareDotAtTheEndNeverMatches() throws {
        #expect(try !matches(".", #"{"":1}"#))
        #expect(try !matches("1 or .", #"{"a":1}"#))
        #expect(try FilterExpression("1 or .").selectors == [])
    }

    @Test func jsonValuesConvert() throws {
        let json =
            #"{"n":-2.5e1,"s":"a\"b\\c\nd\re\tf","t":true,"f":false,"z":null,"a":[1,"x",true,null],"e":"\u00e9"}"#
        #expect(try matches(".n == -25", json))
        #expect(try matches(".s == \"a\\\"b\\\\c\\nd\\re\\tf\"", json))
        #expect(try matches(".t == 1 and .f == 0", json))
        #expect(try matches(".z == null", json))
        #expect(try matches(#"1 in .a and "x" in .a and null in .a"#, json))
        #expect(try matches(#".e == "é""#, json))  // \u escapes are decoded (Redis 8.8 would drop the backslash)
    }

    @Test func unsupportedTypesFailTheSelector() throws {
        #expect(try !matches(".o", #"{"o":{}}"#))
        #expect(try !matches(".o == 0 or 1", #"{"o":{"a":1}}"#))
        #expect(try !matches(".a", #"{"a":[1,{"b":2}]}"#))
        // Arrays of arrays become tuples of tuples, as in Redis (a tuple compares as 0).
        #expect(try matches(".a", #"{"a":[[1,2],3]}"#))
        #expect(try matches("0 in .a", #"{"a":[[1,2],3]}"#))
        #expect(try !matches("1 in .a", #"{"a":[[1,2],3]}"#))
    }

    @Test func deeplyNestedArraysFailPastTheJSONDepthLimit() throws {
        let ok = #"{"a":"# + String(repeating: "[", count: 511) + String(repeating: "]", count: 511) + "}"
        #expect(try matches(".a", ok))
        let deep = #"{"a":"# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        #expect(try !matches(".a", deep))
        #expect(try !matches(".a", #"{"a":"# + String(repeating: "[", count: 100_000)))
    }

    @Test func duplicateKeysTakeTheFirst() throws {
        #expect(try matches(".a == 1", #"{"a":1,"a":2}"#))
        #expect(try !matches(".a == 2", #"{"a":1,"a":2}"#))
    }

    @Test func aFailedSelectorFailsTheWholeElement() throws {
        #expect(try !matches(".missing or 1", Self.movie))
        #expect(try !matches("1 or .missing", Self.movie))
        #expect(try !matches(".year > 0 or .missing", Self.movie))
        #expect(try !matches("not .missing", Self.movie))
        #expect(try !matches(".b", #"{"a":1,"#))  // malformed before the member
        #expect(try !matches(".a", #"{"a" 1}"#))
        #expect(try !matches(".a", #"{"a":tru}"#))
        #expect(try !matches(".a", #"{"a":1x}"#))
        #expect(try !matches(".a", "[1]"))
        #expect(try !matches(".a", "not json"))
        #expect(try matches(".a", #"{"a":1, garbage"#))  // bytes after the member are not read
    }

    @Test func elementsWithoutAttributesNeverMatch() throws {
        #expect(try !matches("1", nil))
        #expect(try !matches("1", ""))
        #expect(try !matches("!.a", nil))
        #expect(try !matches("0 == 0", nil))
    }

    @Test func malformedAttributesMatchSelectorFreeExpressions() throws {
        #expect(try matches("1", "not json"))
        #expect(try matches("2 > 1", "{"))
        #expect(try !matches("0", "{}"))
    }

    // MARK: §5.2 literals

    @Test func numberLiterals() throws {
        #expect(try matches("1e3 == 1000", "{}"))
        #expect(try matches("5 -3 == 2", "{}"))
        #expect(try matches("-3 + 5 == 2", "{}"))
        #expect(try matches(".5 == 1", #"{"5":1}"#))  // `.5` is a selector
        #expect(throws: FilterError.self) { try FilterExpression("1e-3") }
    }

    @Test func stringLiteralsFromFilterStringEscapeTest() throws {
        let item1 = #"{"dq": "a\"b", "sq": "O'Brien", "bs": "x\\y", "nl": "l1\nl2"}"#
        let item2 = #"{"dq": "ab", "sq": "OBrien", "bs": "xy", "nl": "l1l2"}"#
        for expression in [
            #".dq == "a\"b""#, #".sq == 'O\'Brien'"#, #".bs == "x\\y""#, #".nl == "l1\nl2""#, #""\"b" in .dq"#,
            #".dq in ["zzz", "a\"b"]"#, #"'a"b' == .dq"#, #".sq == "O'Brien""#,
        ] {
            #expect(try matches(expression, item1), "\(expression)")
            #expect(try !matches(expression, item2), "\(expression)")
        }
    }

    @Test func tupleLiterals() throws {
        #expect(try matches(#".n in [1, "a", -2]"#, #"{"n":-2}"#))
        #expect(try !matches(".n in []", #"{"n":1}"#))
        #expect(try matches(".n in [1,]", #"{"n":1}"#))
    }

    @Test func onlyNullIsAKeyword() throws {
        #expect(try matches("null == null", "{}"))
        for word in ["true", "false", "TRUE", "Null", "AND", "IN", "Not", "OR"] {
            #expect(throws: FilterError.self) { try FilterExpression("1 \(word) 1") }
        }
    }

    // MARK: §5.3 operators

    @Test(arguments: [
        "2 ** 3 ** 2 == 512", "1 == 1 == 1", "2 + 3 * 4 == 14", "(2 + 3) * 4 == 20", "10 - 4 - 3 == 3",
        "100 / 10 / 5 == 2", "7 % 4 == 3", "-7 % 4 == -3", "5.5 % 2 == 1.5", "1 / 0 > 1e308", "-1 / 0 < -1e308",
        "0 / 0 != 0 / 0", "1 or 0 and 0", "0 and 1 or 1", "not (not 1 and 0)", "1 < 2 == 1", "1 + 1 in [2]",
        #""a" in ["a"] == 1"#, "2 ** -1 == 0.5", "-2 ** 2 == 4", "!1 ** 2 == 0", "1 && 1", "0 || 1", "!0",
        "not 0", "!!1", "not not 1", "!!!0", "!!2 == 1", "2 > 1 && 3 >= 3 && 1 < 2 && 2 <= 2 && 1 != 2",
        "3 % 0 != 3 % 0",
    ])
    func operatorTable(_ expression: String) throws {
        #expect(try matches(expression, "{}"))
    }

    @Test(arguments: ["1 and 0", "0 or 0", "!1", "not 5", "2 < 1", "1 == 2", "!!0", "0 && 1", "0 || 0"])
    func falseExpressions(_ expression: String) throws {
        #expect(try !matches(expression, "{}"))
    }

    @Test func repeatedNotsFromFilterDoubleNotTest() throws {
        let item1 = #"{"active": true, "n": 5}"#
        let item2 = #"{"active": false, "n": 0}"#
        let cases: [(String, [Bool])] = [
            ("!!.active", [true, false]), ("not not .active", [true, false]), ("!!!.active", [false, true]),
            ("!!.n == 1", [true, false]), ("!.active or !!.active", [true, true]),
            (".n > 1 and not not .active", [true, false]),
        ]
        for (expression, expected) in cases {
            #expect(try [matches(expression, item1), matches(expression, item2)] == expected, "\(expression)")
        }
    }

    @Test func notBindsTighterThanComparison() throws {
        #expect(try !matches("! .n == 5", #"{"n":5}"#))  // (!5) == 5
        #expect(try matches("! .n == 0", #"{"n":5}"#))
    }

    // MARK: §5.4 semantics

    @Test(arguments: [
        (#".name > 3"#, false), (#""abc" < 1"#, true), (#""42" == 42"#, true), (#""hello" == 0"#, true),
        (#""3" + 4 == 7"#, true), (#"" 3" + 4 == 7"#, true), (#""3 " + 4 == 4"#, true), (#""0x10" == 16"#, true),
        (#""1e2" == 100"#, true), (#""inf" > 1e308"#, true), (#""abc" == "abc""#, true), (#""a" == "b""#, false),
        ("null == null", true), ("null == 0", false), (#"null == """#, false), ("[1] == [2]", true), ("[1] == 0", true),
        (#""" == 0"#, true), ("null + 1 == 1", true), ("[5] + 1 == 1", true), (#""nan" == "nan""#, true),
        (#""nan" + 0 == "nan" + 0"#, false), ("1 == 1.0", true), (".active == 1", true), (".off == 0", true),
    ])
    func coercions(_ expression: String, _ expected: Bool) throws {
        #expect(try matches(expression, Self.movie) == expected)
    }

    @Test func truthiness() throws {
        #expect(try matches(".scores", Self.movie))  // an empty array is still a tuple: true
        #expect(try matches(".tags", Self.movie))
        #expect(try !matches(".z", Self.movie))
        #expect(try !matches(".s", #"{"s":""}"#))
        #expect(try matches(".s", #"{"s":"0"}"#))
        #expect(try !matches(".n", #"{"n":-0}"#))
        #expect(try matches("0 / 0", "{}"))  // NaN is not 0
    }

    @Test func membershipAndSubstring() throws {
        #expect(try matches(".n in [5,10]", #"{"n":10}"#))
        #expect(try matches(#""x" in .tags"#, Self.movie))
        #expect(try !matches(#""q" in .tags"#, Self.movie))
        #expect(try matches(#""ell" in .s"#, #"{"s":"hello"}"#))
        #expect(try matches(#""" in """#, "{}"))
        #expect(try !matches(#"5 in "5""#, "{}"))
        #expect(try !matches(#""5" in 5"#, "{}"))
        #expect(try matches(#""5" in [5]"#, "{}"))
        #expect(try !matches(#""hello!" in .s"#, #"{"s":"hello"}"#))
        #expect(try matches("null in .a", #"{"a":[null]}"#))
        #expect(try !matches(#""a" in []"#, "{}"))
    }

    @Test func longStringsAreZeroAsNumbers() throws {
        let digits = String(repeating: "1", count: 300)
        #expect(try matches(#""\#(digits)" + 0 == 0"#, "{}"))
        #expect(try matches(".s + 0 == 0", #"{"s":"\#(digits)"}"#))
        let short = String(repeating: "1", count: 20)
        #expect(try matches(".s + 0 > 1e19", #"{"s":"\#(short)"}"#))
    }

    @Test func escapedAndArrayValuesCompareLikePlainOnes() throws {
        #expect(try matches(#".s == "a\"b" and "a\"b" in .t"#, #"{"s":"a\"b","t":["x","a\"b"]}"#))
        #expect(try matches(".t == 0", #"{"t":[1]}"#))
    }

    // MARK: API

    @Test func selectorsListsFieldsOnceInOrder() throws {
        let filter = try FilterExpression(".b > 1 and .a < 2 or .b == .c")
        #expect(filter.selectors == ["b", "a", "c"])
        #expect(filter.source == ".b > 1 and .a < 2 or .b == .c")
        #expect(filter.description == filter.source)
        #expect(try FilterExpression("1 + 1").selectors.isEmpty)
    }

    @Test func compilationStopsAtNUL() throws {
        #expect(try matches("1\u{0}garbage @@", "{}"))
        #expect(try !matches("0\u{0}or 1", "{}"))
    }

    @Test func oneExpressionIsSafeToShareAcrossTasks() async throws {
        let filter = try FilterExpression(#".year >= 1980 and "x" in .tags"#)
        let attributes = Array(Self.movie.utf8)
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 { group.addTask { (0..<500).allSatisfy { _ in filter.matches(attributes: attributes) } } }
            return await group.reduce(true) { $0 && $1 }
        }
        #expect(results)
    }
}

@Suite struct FilterConstraintTests {
    @Test func topLevelAndTermsOnSingleFieldsAreConstraints() throws {
        let expression = try FilterExpression(#".species == "cat" and .age >= 3 and (.a or .b) and 10 > .w and .tag in ["x", 2]"#)
        #expect(expression.constraints == [
            .equals(field: "species", values: [.string("cat")]),
            .range(field: "age", lower: 3, lowerInclusive: true, upper: nil, upperInclusive: false),
            .range(field: "w", lower: nil, lowerInclusive: false, upper: 10, upperInclusive: false),
            .equals(field: "tag", values: [.string("x"), .number(2)]),
        ])
    }

    @Test func disjunctionsArithmeticAndNegationsAreNot() throws {
        for source in [".a == 1 or .b == 2", ".a + 1 == 2", "!(.a == 1)", ".a != 1", "\"x\" in .tags", ".a == .b"] {
            #expect(try FilterExpression(source).constraints.isEmpty, "\(source)")
        }
        #expect(try FilterExpression("1 == .a").constraints == [.equals(field: "a", values: [.number(1)])])
        #expect(try FilterExpression(".a == null").constraints == [.equals(field: "a", values: [.null])])
    }
}
