import QuiverFilter
import Testing

@Suite struct JSONValueTests {
    @Test func literalsBuildValues() {
        let value: JSONValue = ["n": 1, "f": 1.5, "s": "x", "b": false, "z": nil, "a": [1, "2"]]
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.map(\.key) == ["n", "f", "s", "b", "z", "a"])
        #expect(object["f"] == .number(1.5))
        #expect(object["z"] == .null)
        #expect(object.count == 6)
    }

    @Test func objectsCompareInOrder() {
        let ab: JSONValue = ["a": 1, "b": 2]
        let ba: JSONValue = ["b": 2, "a": 1]
        #expect(ab != ba)
        #expect(ab == ["a": 1, "b": 2])
    }

    @Test func subscriptsOnOtherKindsAreNil() {
        let number: JSONValue = 3
        #expect(number["a"] == nil)
        #expect(number[0] == nil)
        #expect(JSONValue.array([1])[-1] == nil)
    }
}
