import Testing

@testable import QuiverRESP

@Suite struct RESPRequestLimitsTests {
    @Test func redisDefaults() {
        let limits = RESPRequestLimits.redisDefaults
        #expect(limits.maxInlineRequestLength == 65_536)
        #expect(limits.maxLengthLineLength == 65_536)
        #expect(limits.maxMultibulkCount == 1_048_576)
        #expect(limits.maxBulkLength == 512 * 1024 * 1024)
        #expect(limits.unauthenticated == nil)
        #expect(RESPRequestLimits.redisUnauthenticated.unauthenticated?.maxMultibulkCount == 10)
        #expect(RESPRequestLimits.redisUnauthenticated.unauthenticated?.maxBulkLength == 16_384)
    }

    @Test func outlandishLimitsAreClamped() {
        var limits = RESPRequestLimits()
        limits.maxLengthLineLength = .max
        limits.maxInlineRequestLength = -5
        #expect(limits.lengthLineLimit == Int(Int32.max))
        #expect(limits.inlineLimit == 1)
        #expect(DecoderVerifier.requests(bytes("P\n"), limits: limits).outputs.count == 1)
        #expect(DecoderVerifier.requests(bytes("PI\n"), limits: limits).error?.code == .tooBigInlineRequest)
        limits.maxBulkLength = .max
        #expect(DecoderVerifier.requests(bytes("*1\r\n$9223372036854775807\r\nab"), limits: limits).error == nil)
    }
}
