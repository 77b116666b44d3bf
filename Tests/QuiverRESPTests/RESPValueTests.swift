import NIOCore
import Testing

@testable import QuiverRESP

@Suite struct RESPValueTests {
    @Test func doublesCompareByValueWithNaNEqual() {
        #expect(RESPValue.double(.nan) == .double(-.nan))
        #expect(RESPValue.double(0) != .double(-0.0))
        #expect(RESPValue.double(1) == .double(1))
        #expect(Set([RESPValue.double(.nan), .double(.signalingNaN)]).count == 1)
    }

    @Test func mapsCompareInOrder() {
        let a = RESPValue.map([(.integer(1), .integer(2)), (.integer(3), .integer(4))])
        let b = RESPValue.map([(.integer(3), .integer(4)), (.integer(1), .integer(2))])
        #expect(a != b)
        #expect(a == .map([(.integer(1), .integer(2)), (.integer(3), .integer(4))]))
        #expect(a.hashValue == RESPValue.map([(.integer(1), .integer(2)), (.integer(3), .integer(4))]).hashValue)
    }

    @Test func typesAreDistinct() {
        let values = RESPValueNormalizationTests.everyType
        for (i, a) in values.enumerated() {
            for (j, b) in values.enumerated() where i != j {
                #expect(a != b, "\(a) vs \(b)")
            }
        }
        #expect(RESPValue.array([]) != .set([]))
        #expect(RESPValue.nullBulkString != .null)
        #expect(
            RESPValue.simpleError("x").isError && RESPValue.bulkError(ByteBuffer()).isError && !RESPValue.ok.isError)
    }

    @Test func conveniences() {
        #expect(RESPValue.bulkString("abc") == .bulkString(ByteBuffer(string: "abc")))
        #expect(RESPValue.bulkString(bytes: [1, 2]) == .bulkString(ByteBuffer(bytes: [1, 2])))
        #expect(RESPValue.ok == .simpleString("OK") && RESPValue.pong == .simpleString("PONG"))
    }
}
