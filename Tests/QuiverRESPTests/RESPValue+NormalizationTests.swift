import NIOCore
import Testing

@testable import QuiverRESP

/// Every value through the encoder and back through the reply parser, in both versions.
@Suite struct RESPValueNormalizationTests {
    /// One value of every type, some nested, with awkward contents.
    static let everyType: [RESPValue] = [
        .simpleString("OK"), .simpleString(""), .simpleString("with\r\nnewline"), .simpleError("ERR bad"),
        .integer(0), .integer(.min), .integer(.max), .bulkString(""), .bulkString(bytes: [0, 13, 10, 255]),
        .nullBulkString, .array([]), .array([.integer(1), .bulkString("x")]), .nullArray, .null, .boolean(true),
        .boolean(false), .double(0.5), .double(-0.0), .double(.nan), .double(.infinity), .double(1e23),
        .double(1.0000000116860974e-7), .double(.leastNonzeroMagnitude), .bigNumber("-123456789012345678901234567890"),
        .bulkError(ByteBuffer(string: "ERR a\r\nb")),
        .verbatimString(format: "txt", text: ByteBuffer(string: "a\r\nb")),
        .verbatimString(format: "x", text: ByteBuffer()), .map([]),
        .map([(.bulkString("a"), .double(1)), (.null, .set([]))]),
        .set([.integer(1), .boolean(true)]), .attribute([(.simpleString("ttl"), .integer(3))], .bulkString("v")),
        .attribute([], .array([.null])), .push([.bulkString("message"), .bulkString("ch"), .bulkString("hi")]),
        .array([.map([(.set([.double(2.5)]), .push([.verbatimString(format: "mkd", text: ByteBuffer(string: "#"))]))])]
        ),
    ]

    @Test(arguments: RESPProtocolVersion.allCases)
    func everyValueRoundTrips(version: RESPProtocolVersion) {
        for value in Self.everyType {
            var buffer = ByteBuffer()
            buffer.writeRESPValue(value, protocolVersion: version)
            let result = DecoderVerifier.replies(Array(buffer.readableBytesView))
            #expect(result.error == nil, "\(value)")
            #expect(result.outputs == [value.normalized(for: version)], "\(value) in \(version)")
        }
    }

    @Test func allValuesPipelinedRoundTrip() {
        for version in RESPProtocolVersion.allCases {
            var buffer = ByteBuffer()
            for value in Self.everyType { buffer.writeRESPValue(value, protocolVersion: version) }
            let result = DecoderVerifier.replies(Array(buffer.readableBytesView), maximumSplits: 256)
            #expect(result.outputs == Self.everyType.map { $0.normalized(for: version) })
        }
    }

    @Test func normalizationIsIdempotentAndRESP2HasNoRESP3Types() {
        for value in Self.everyType {
            for version in RESPProtocolVersion.allCases {
                let once = value.normalized(for: version)
                #expect(once.normalized(for: version) == once)
            }
            #expect(!Self.containsRESP3Type(value.normalized(for: .resp2)))
        }
    }

    static func containsRESP3Type(_ value: RESPValue) -> Bool {
        switch value {
        case .null, .boolean, .double, .bigNumber, .bulkError, .verbatimString, .map, .set, .attribute, .push: true
        case .array(let elements): elements.contains(where: containsRESP3Type)
        default: false
        }
    }

    @Test func resp2Stand_ins() {
        #expect(RESPValue.double(0.5).normalized(for: .resp2) == .bulkString("0.5"))
        #expect(RESPValue.boolean(true).normalized(for: .resp2) == .integer(1))
        #expect(RESPValue.null.normalized(for: .resp2) == .nullBulkString)
        #expect(RESPValue.nullArray.normalized(for: .resp3) == .null)
        #expect(
            RESPValue.map([(.integer(1), .integer(2))]).normalized(for: .resp2) == .array([.integer(1), .integer(2)]))
    }
}
