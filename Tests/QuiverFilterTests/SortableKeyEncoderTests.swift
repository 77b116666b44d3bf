import QuiverFilter
import Testing

@Suite struct SortableKeyEncoderTests {
    private typealias Reference = SortableKeyReference

    // MARK: Order

    /// The property the encoding exists for: memcmp of encodings orders tuples as the reference
    /// order does, equal tuples (−0 and 0 included) give equal bytes, over every pair of 600
    /// random tuples.
    @Test func bytewiseOrderIsTupleOrder() {
        var g = SplitMix64(seed: 0x0DE7)
        let tuples = Reference.randomTuples(&g, count: 600)
        let keys = tuples.map { SortableKeyEncoder.encode($0) }
        var failures = 0
        for i in tuples.indices {
            for j in tuples.indices {
                let expected = Reference.compare(tuples[i], tuples[j])
                if Reference.compare(keys[i], keys[j]) != expected {
                    failures += 1
                    if failures <= 5 {
                        Issue.record("\(tuples[i]) vs \(tuples[j]): \(hex(keys[i])) vs \(hex(keys[j]))")
                    }
                }
            }
        }
        #expect(failures == 0)
    }

    /// Sorting keys as bytes sorts their tuples; the components' own `<` agrees.
    @Test func sortingKeysSortsTuples() {
        var g = SplitMix64(seed: 0x5047)
        let tuples = Reference.randomTuples(&g, count: 3000)
        let byKey = tuples.sorted {
            SortableKeyEncoder.encode($0).lexicographicallyPrecedes(SortableKeyEncoder.encode($1))
        }
        for (a, b) in zip(byKey, byKey.dropFirst()) {
            #expect(Reference.compare(a, b) <= 0, "\(a) before \(b)")
            #expect(!b.lexicographicallyPrecedes(a), "component < disagrees: \(a), \(b)")
        }
    }

    @Test func typesOrderNullFalseTrueNumbersStringsBytes() {
        let numbers: [Double] = [
            -.infinity, -.greatestFiniteMagnitude, -1, -.leastNonzeroMagnitude, 0, .leastNonzeroMagnitude, 1,
            .greatestFiniteMagnitude, .infinity, .nan,
        ]
        let strings: [String] = [
            "", "\0", "\0\0", "\u{1}", "A", "Z", "a", "a\0", "a\0b", "a\u{1}", "ab", "b", "\u{7F}", "é", "\u{FFFF}",
            "😀",
            "\u{10FFFF}",
        ]
        let bytes: [[UInt8]] = [[], [0], [0, 0], [0, 0xFF], [1], [0xFF], [0xFF, 0xFF]]
        var ascending: [SortableKeyComponent] = [.null, .bool(false), .bool(true)]
        ascending += numbers.map { .number($0) }
        ascending += strings.map { .string($0) }
        ascending += bytes.map { .bytes($0) }
        let keys = ascending.map { SortableKeyEncoder.encode([$0]) }
        for i in ascending.indices.dropLast() {
            #expect(keys[i].lexicographicallyPrecedes(keys[i + 1]), "\(ascending[i]) < \(ascending[i + 1])")
            #expect(ascending[i] < ascending[i + 1])
        }
    }

    /// A string followed by anything sorts before a longer string it is a prefix of, and a
    /// shorter tuple before its extensions.
    @Test func prefixStringsAndShorterTuples() {
        let ascending: [[SortableKeyComponent]] = [
            [], [.null], [.string("a")], [.string("a"), .null], [.string("a"), .bytes([0xFF, 0xFF])], [.string("a\0")],
            [.string("a\0"), .string("b")], [.string("a\0\0")], [.string("a\u{1}")], [.string("ab")], [.bytes([0])],
            [.bytes([0]), .null], [.bytes([0, 0])],
        ]
        for (a, b) in zip(ascending, ascending.dropFirst()) {
            #expect(SortableKeyEncoder.encode(a).lexicographicallyPrecedes(SortableKeyEncoder.encode(b)), "\(a) < \(b)")
        }
    }

    // MARK: Numbers

    @Test func equalNumbersEncodeEqually() {
        #expect(SortableKeyEncoder.encode([.number(-0.0)]) == SortableKeyEncoder.encode([.number(0)]))
        #expect(SortableKeyEncoder.encode([SortableKeyComponent(42)]) == SortableKeyEncoder.encode([.number(42.0)]))
        #expect(SortableKeyEncoder.encode([.number(.nan)]) == SortableKeyEncoder.encode([.number(-.signalingNaN)]))
        #expect(SortableKeyComponent.number(-0.0) == .number(0))
        #expect(Set<SortableKeyComponent>([.number(-0.0), .number(0), .number(.nan), .number(-.nan)]).count == 2)
    }

    @Test func numberEncodingsAreFixedBigEndianBits() {
        #expect(hex(SortableKeyEncoder.encode([.number(0)])) == "10 80 00 00 00 00 00 00 00")
        #expect(hex(SortableKeyEncoder.encode([.number(1)])) == "10 BF F0 00 00 00 00 00 00")
        #expect(hex(SortableKeyEncoder.encode([.number(-1)])) == "10 40 0F FF FF FF FF FF FF")
        #expect(hex(SortableKeyEncoder.encode([.number(.infinity)])) == "10 FF F0 00 00 00 00 00 00")
        #expect(hex(SortableKeyEncoder.encode([.number(-.infinity)])) == "10 00 0F FF FF FF FF FF FF")
        #expect(hex(SortableKeyEncoder.encode([.number(.nan)])) == "10 FF F8 00 00 00 00 00 00")
    }

    /// Integers convert to the nearest Double: exact up to 2^53, then neighbours may share a
    /// key, but the order never inverts.
    @Test func integersBeyondTwoToThe53() {
        func key(_ i: Int64) -> [UInt8] { SortableKeyEncoder.encode([SortableKeyComponent(i)]) }
        #expect(key(1 << 53) != key((1 << 53) - 1))
        #expect(key(1 << 53) == key((1 << 53) + 1))  // 2^53 + 1 is not a Double
        #expect(key(.max) == key(.max - 1))  // both round to 2^63
        #expect(key(.max) == SortableKeyEncoder.encode([.number(0x1p63)]))
        #expect(key(.min) == SortableKeyEncoder.encode([.number(-0x1p63)]))  // exact
        #expect((try? SortableKeyDecoder.decode(key(.min))) == [.number(-0x1p63)])
        #expect(SortableKeyComponent(UInt64.max) == .number(0x1p64))
        var g = SplitMix64(seed: 0x1257)
        for _ in 0..<20_000 {
            let a = Int64(bitPattern: g.next()) >> Int64(g.next() % 64)
            let b = a &+ Int64(g.next() % 4096)
            guard a <= b else { continue }
            #expect(!key(b).lexicographicallyPrecedes(key(a)), "\(a) <= \(b)")
            if a.magnitude <= 1 << 53 && b.magnitude <= 1 << 53 { #expect((key(a) == key(b)) == (a == b)) }
        }
    }

    // MARK: Strings and bytes

    @Test func nulBytesAreEscaped() {
        #expect(hex(SortableKeyEncoder.encode([.string("")])) == "20 00")
        #expect(hex(SortableKeyEncoder.encode([.string("\0")])) == "20 00 FF 00")
        #expect(hex(SortableKeyEncoder.encode([.string("a\0b\0")])) == "20 61 00 FF 62 00 FF 00")
        #expect(hex(SortableKeyEncoder.encode([.bytes([0, 0xFF, 0])])) == "30 00 FF FF 00 FF 00")
        #expect(hex(SortableKeyEncoder.encode([.null, .bool(false), .bool(true)])) == "02 04 05")
    }

    /// The worked example in `docs/format/sortable-key.md`.
    @Test func workedExample() {
        // Literals: strings, numbers, nil, booleans.
        let components: [SortableKeyComponent] = ["movie", "year", 1999, "m\0"]
        let key = SortableKeyEncoder.encode(components)
        #expect(hex(key) == "20 6D 6F 76 69 65 00 20 79 65 61 72 00 10 C0 9F 3C 00 00 00 00 00 20 6D 00 FF 00")
    }

    @Test func appendingMatchesEncodingWhole() {
        var encoder = SortableKeyEncoder(reservingCapacity: 64)
        encoder.append("movie")
        encoder.append(contentsOf: [.string("year"), .number(1999)])
        encoder.append(.string("m42"))
        let whole: [SortableKeyComponent] = [.string("movie"), .string("year"), .number(1999), .string("m42")]
        #expect(encoder.bytes == SortableKeyEncoder.encode(whole))
        #expect(SortableKeyEncoder().bytes.isEmpty)
    }

    @Test func jsonScalarsConvert() {
        #expect(SortableKeyComponent(JSONValue.null) == .null)
        #expect(SortableKeyComponent(JSONValue.bool(true)) == .bool(true))
        #expect(SortableKeyComponent(JSONValue.number(2.5)) == .number(2.5))
        #expect(SortableKeyComponent(JSONValue.string("x")) == .string("x"))
        #expect(SortableKeyComponent(JSONValue.array([])) == nil)
        #expect(SortableKeyComponent(JSONValue.object([:])) == nil)
    }

    @Test func stringsCompareByBytesWithoutNormalization() {
        #expect(SortableKeyComponent.string("\u{E9}") != .string("e\u{301}"))
        #expect(SortableKeyEncoder.encode([.string("\u{E9}")]) != SortableKeyEncoder.encode([.string("e\u{301}")]))
        #expect(SortableKeyComponent.string("e\u{301}") < .string("\u{E9}"))
        #expect(Set<SortableKeyComponent>([.string("\u{E9}"), .string("e\u{301}")]).count == 2)
    }

    // MARK: Prefixes and successors

    /// A key lies in `range(forPrefix: p)` exactly when its tuple begins with `p`, over every
    /// pair of 500 random tuples; a prefix's encoding is a byte prefix of the tuple's.
    @Test func prefixRangesHoldExactlyTheKeysWithThatPrefix() {
        var g = SplitMix64(seed: 0x9AE1)
        let tuples = Reference.randomTuples(&g, count: 500)
        let keys = tuples.map { SortableKeyEncoder.encode($0) }
        var failures = 0
        for (p, prefix) in tuples.enumerated() {
            let (lower, upper) = SortableKeyEncoder.range(forPrefix: prefix)
            #expect(upper == SortableKeyEncoder.successor(ofPrefix: lower))
            for (t, tuple) in tuples.enumerated() {
                let startsWith =
                    tuple.count >= prefix.count && Reference.compare(Array(tuple[..<prefix.count]), prefix) == 0
                let inRange = !keys[t].lexicographicallyPrecedes(lower) && keys[t].lexicographicallyPrecedes(upper)
                if startsWith != inRange {
                    failures += 1
                    if failures <= 5 { Issue.record("prefix \(tuples[p]) tuple \(tuple): in range \(inRange)") }
                }
                if startsWith { #expect(keys[t].starts(with: lower)) }
            }
        }
        #expect(failures == 0)
    }

    @Test func successorOfAPrefixEndingInAStringExcludesLongerStrings() {
        let (lower, upper) = SortableKeyEncoder.range(forPrefix: [.string("a")])
        let inside: [[SortableKeyComponent]] = [
            [.string("a")], [.string("a"), .null], [.string("a"), .bytes([0xFF])],
            [.string("a"), .string("\u{10FFFF}")],
        ]
        let outside: [[SortableKeyComponent]] = [
            [.string("a\0")], [.string("a\0"), .null], [.string("a\u{1}")], [.string("b")], [.null], [],
        ]
        for tuple in inside {
            let key = SortableKeyEncoder.encode(tuple)
            #expect(!key.lexicographicallyPrecedes(lower) && key.lexicographicallyPrecedes(upper), "\(tuple)")
        }
        for tuple in outside {
            let key = SortableKeyEncoder.encode(tuple)
            #expect(key.lexicographicallyPrecedes(lower) || !key.lexicographicallyPrecedes(upper), "\(tuple)")
        }
        #expect(hex(SortableKeyEncoder.successor(ofPrefix: [])) == "FF")  // above every key
        #expect(SortableKeyEncoder.successor(ofPrefix: SortableKeyEncoder.encode([.number(1)])).last == 0xFF)
    }

    /// `successor(ofKey:)` is the least byte string above a key: no key lies strictly between.
    @Test func successorOfAKeyIsTheNextByteString() {
        var g = SplitMix64(seed: 0x5CC)
        let keys = Reference.randomTuples(&g, count: 400).map { SortableKeyEncoder.encode($0) }
        for a in keys {
            let next = SortableKeyEncoder.successor(ofKey: a)
            #expect(a.lexicographicallyPrecedes(next))
            for b in keys where a.lexicographicallyPrecedes(b) { #expect(!b.lexicographicallyPrecedes(next)) }
        }
    }

    /// The typed ranges documented on SortableKeyEncoder select exactly the values they name.
    @Test func documentedValueRanges() {
        let prefix: [SortableKeyComponent] = [.string("movie"), .string("year")]
        let values: [SortableKeyComponent] = [
            .null, .bool(false), .bool(true), .number(-.infinity), .number(-5), .number(0), .number(1999),
            .number(2000),
            .number(2000.5), .number(.infinity), .string(""), .string("1999"), .bytes([]), .bytes([0xFF]),
        ]
        let keys = values.map { SortableKeyEncoder.encode(prefix + [$0, .string("id")]) }
        func selected(_ lower: [UInt8], _ upper: [UInt8]) -> [SortableKeyComponent] {
            values.indices.filter {
                !keys[$0].lexicographicallyPrecedes(lower) && keys[$0].lexicographicallyPrecedes(upper)
            }
            .map { values[$0] }
        }
        func enc(_ value: SortableKeyComponent) -> [UInt8] { SortableKeyEncoder.encode(prefix + [value]) }
        let firstString = enc(.string(""))
        #expect(selected(enc(.number(2000)), firstString) == [.number(2000), .number(2000.5), .number(.infinity)])  // ≥
        #expect(
            selected(SortableKeyEncoder.successor(ofPrefix: enc(.number(2000))), firstString)
                == [.number(2000.5), .number(.infinity)])  // >
        #expect(
            selected(enc(.number(-.infinity)), enc(.number(2000)))
                == [.number(-.infinity), .number(-5), .number(0), .number(1999)])  // <
        #expect(
            selected(enc(.number(1999)), SortableKeyEncoder.successor(ofPrefix: enc(.number(1999)))) == [.number(1999)])
        #expect(selected(firstString, enc(.bytes([]))) == [.string(""), .string("1999")])  // every string
        let end = SortableKeyEncoder.successor(ofPrefix: SortableKeyEncoder.encode(prefix))
        #expect(selected(enc(.bytes([])), end) == [.bytes([]), .bytes([0xFF])])  // every byte string
        #expect(selected(enc(.null), enc(.number(-.infinity))) == [.null, .bool(false), .bool(true)])
    }
}
