import QuiverFilter
import Testing

@Suite struct JSONFieldReaderTests {
    private func reader(_ text: String) -> JSONFieldReader { JSONFieldReader(Array(text.utf8)) }

    @Test func findsTopLevelMembers() throws {
        let r = reader(#" { "a" : 1 , "b" : [1, {"x": 2}] , "c" : "s\"t" , "d" : {"a": 9} } "#)
        #expect(try r.value(forKey: "a") == 1)
        #expect(try r.value(forKey: "b") == [1, ["x": 2]])
        #expect(try r.value(forKey: "c") == "s\"t")
        #expect(try r.value(forKey: "d") == ["a": 9])
        #expect(try r.value(forKey: "x") == nil)  // nested keys are not top-level
        #expect(try r.valueRange(forKey: "c") == 41..<47)
    }

    @Test func firstDuplicateWins() throws {
        #expect(try reader(#"{"a":1,"a":2}"#).value(forKey: "a") == 1)
    }

    @Test func keysCompareUnescaped() throws {
        let r = reader(#"{"\u0061":1,"b\"":2}"#)
        #expect(try r.value(forKey: "a") == 1)
        #expect(try r.value(forKey: "b\"") == 2)
    }

    @Test func emptyObjectAndEmptyKey() throws {
        #expect(try reader("{}").value(forKey: "a") == nil)
        #expect(try reader(#"{"":5}"#).value(forKey: "") == 5)
    }

    @Test func malformedTextBeforeTheMemberThrows() {
        #expect(throws: JSONError(.invalidNumber, at: 6)) { try reader(#"{"x":01,"a":1}"#).value(forKey: "a") }
        #expect(throws: JSONError(.unexpectedByte, at: 5)) { try reader(#"{"x" 1,"a":1}"#).value(forKey: "a") }
        #expect(throws: JSONError(.unexpectedEnd, at: 7)) { try reader(#"{"a":1,"#).value(forKey: "b") }
        #expect(throws: JSONError(.unexpectedByte, at: 8)) { try reader(#"{"a":tru}"#).value(forKey: "a") }
        #expect(throws: JSONError(.unexpectedByte, at: 6)) { try reader(#"{"a":1x}"#).value(forKey: "a") }
        #expect(throws: JSONError(.unexpectedEnd, at: 6)) { try reader(#"{"a":1"#).value(forKey: "a") }
    }

    @Test func bytesAfterTheMemberAreNotExamined() throws {
        #expect(try reader(#"{"a":1, garbage"#).value(forKey: "a") == 1)
        #expect(try reader(#"{"a":[1,2]} trailing"#).value(forKey: "a") == [1, 2])
    }

    @Test func onlyObjectsHaveMembers() {
        #expect(throws: JSONError(.unexpectedByte, at: 0)) { try reader("[1]").value(forKey: "a") }
        #expect(throws: JSONError(.unexpectedEnd, at: 0)) { try reader("").value(forKey: "a") }
        #expect(throws: JSONError(.unexpectedByte, at: 1)) { try reader(" x").value(forKey: "a") }
    }

    @Test func agreesWithTheTreeParser() throws {
        let text = #"{"n":-1.25e3,"s":"é\n","b":false,"z":null,"a":[[1],"x",{"k":[]}],"o":{"p":{"q":1}}}"#
        let tree = try JSONValue(parsing: Array(text.utf8))
        let r = reader(text)
        for key in ["n", "s", "b", "z", "a", "o", "missing"] {
            #expect(try r.value(forKey: key) == tree[key])
        }
    }
}
