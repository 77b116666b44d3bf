import QuiverFilter
import Testing

@Suite struct SortableKeyDecoderTests {
    @Test func randomTuplesRoundTrip() throws {
        var g = SplitMix64(seed: 0xDEC0)
        for tuple in SortableKeyReference.randomTuples(&g, count: 5000) {
            let key = SortableKeyEncoder.encode(tuple)
            let decoded = try SortableKeyDecoder.decode(key)
            #expect(decoded == tuple)
            #expect(SortableKeyEncoder.encode(decoded) == key)
            for (a, b) in zip(decoded, tuple) {
                if case .number(let x) = a, case .number(let y) = b {
                    #expect(x.bitPattern == y.bitPattern || (x == 0 && y == 0))  // exact, −0 read as 0
                }
            }
        }
    }

    @Test func edgeCasesRoundTrip() throws {
        var tuple: [SortableKeyComponent] = [.string(""), .string("\0"), .string("\0\0"), .string("a\0")]
        tuple += [-0.0, .infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude].map { .number($0) }
        tuple += [SortableKeyComponent(Int64.min), SortableKeyComponent(Int64.max), .number(.nan)]
        tuple += [.bytes([]), .bytes([0, 0xFF, 0, 0]), .null, .bool(false), .bool(true), .string("😀\u{10FFFF}")]
        let decoded = try SortableKeyDecoder.decode(SortableKeyEncoder.encode(tuple))
        #expect(decoded == tuple)
        guard case .number(let zero) = decoded[4], case .number(let nan) = decoded[11] else {
            Issue.record("not numbers")
            return
        }
        #expect(zero.sign == .plus)  // −0 is stored as 0
        #expect(nan.isNaN)
    }

    @Test func readsOneComponentAtATime() throws {
        let key = SortableKeyEncoder.encode([.string("movie"), .number(1999), .string("m42")])
        var decoder = SortableKeyDecoder(key)
        #expect(try decoder.readComponent() == .string("movie"))
        #expect(decoder.readerIndex == 7)
        #expect(try decoder.readComponent() == .number(1999))
        #expect(!decoder.isAtEnd)
        #expect(try decoder.readComponent() == .string("m42"))
        #expect(decoder.isAtEnd)
        #expect(try decoder.readComponent() == nil)
        #expect(try SortableKeyDecoder.decode([]) == [])
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        var key: [UInt8]
        var code: SortableKeyError.Code
        var offset: Int
        var testDescription: String { "\(hex(key)) → \(code) at \(offset)" }

        init(_ key: [UInt8], _ code: SortableKeyError.Code, _ offset: Int) {
            self.key = key
            self.code = code
            self.offset = offset
        }
    }

    static let malformed: [Malformed] = [
        Malformed([0x00], .unknownTag, 0),
        Malformed([0xFF], .unknownTag, 0),
        Malformed([0x02, 0x11], .unknownTag, 1),
        Malformed([0x20, 0x61, 0x00, 0x03], .unknownTag, 3),
        Malformed([0x10, 0x80, 0, 0, 0, 0, 0, 0], .truncated, 0),
        Malformed([0x02, 0x10], .truncated, 1),
        Malformed([0x20, 0x61], .truncated, 0),
        Malformed([0x20, 0x61, 0x00, 0xFF], .truncated, 0),
        Malformed([0x30], .truncated, 0),
        Malformed([0x20, 0xC3, 0x28, 0x00], .invalidUTF8, 0),
        Malformed([0x20, 0xED, 0xA0, 0x80, 0x00], .invalidUTF8, 0),  // an encoded surrogate
        Malformed([0x02, 0x20, 0xFF, 0x00], .invalidUTF8, 1),
        Malformed([0x10, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], .nonCanonical, 0),  // −0
        Malformed([0x10, 0xFF, 0xF8, 0, 0, 0, 0, 0, 1], .nonCanonical, 0),  // a NaN payload
        Malformed([0x10, 0x00, 0x07, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], .nonCanonical, 0),  // a negative NaN
    ]

    @Test(arguments: malformed)
    func malformedKeysThrow(_ c: Malformed) {
        #expect(throws: SortableKeyError(c.code, at: c.offset)) { try SortableKeyDecoder.decode(c.key) }
    }

    @Test func aFailedReadLeavesTheReaderAtTheComponent() throws {
        var decoder = SortableKeyDecoder([0x02, 0x20, 0x61])
        #expect(try decoder.readComponent() == .null)
        var thrown: SortableKeyError?
        do {
            _ = try decoder.readComponent()
        } catch {
            thrown = error
        }
        #expect(thrown == SortableKeyError(.truncated, at: 1))
        #expect(decoder.readerIndex == 1)
        #expect(SortableKeyError.Code.truncated ~= (thrown as (any Error)?)!)
    }

    @Test func descriptionsNameTheOffsetNotTheContents() {
        #expect(
            SortableKeyError(.truncated, at: 7).description == "invalid sortable key at byte 7: truncated component")
        #expect(
            SortableKeyError(.nonCanonical, at: 0).description == "invalid sortable key at byte 0: non-canonical number"
        )
    }

    /// Random bytes never trap; whatever decodes re-encodes to the same bytes (the decoder
    /// accepts exactly the encoder's output).
    @Test func randomBytesDecodeStrictlyOrThrow() {
        var g = SplitMix64(seed: 0xB17E5)
        let alphabet: [UInt8] = [0x00, 0x02, 0x04, 0x05, 0x10, 0x20, 0x30, 0x61, 0x80, 0xC3, 0xA9, 0xFF, 0x7F, 0xF8]
        var decodedCount = 0
        for _ in 0..<50_000 {
            let key = (0..<Int(g.next() % 12)).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] }
            guard let components = try? SortableKeyDecoder.decode(key) else { continue }
            decodedCount += 1
            #expect(SortableKeyEncoder.encode(components) == key, "\(hex(key))")
        }
        #expect(decodedCount > 1000)
    }
}
