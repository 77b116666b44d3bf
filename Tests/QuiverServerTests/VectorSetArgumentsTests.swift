import Quiver
import Testing

@testable import QuiverServer

private func args(_ words: String...) -> [[UInt8]] { words.map { Array($0.utf8) } }

private func fp32(_ values: Float...) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
}

@Suite struct VectorSpecificationTests {
    @Test func valuesFP32AndReduce() throws {
        let values = try #require(
            VectorSpecification.parse(
                args("VADD", "k", "VALUES", "3", "1", "-2.5", "1e-7", "e"), from: 2, allowsReduce: true))
        #expect(values == VectorSpecification(values: [1, -2.5, 1e-7], reduce: nil, consumed: 5))
        let blob = try #require(
            VectorSpecification.parse(
                [Array("VADD".utf8), Array("k".utf8), Array("fp32".utf8), fp32(1, 2), Array("e".utf8)], from: 2,
                allowsReduce: true))
        #expect(blob == VectorSpecification(values: [1, 2], reduce: nil, consumed: 2))
        let reduced = try #require(
            VectorSpecification.parse(
                args("VADD", "k", "reduce", "2", "VALUES", "3", "1", "2", "3", "e"), from: 2, allowsReduce: true))
        #expect(reduced == VectorSpecification(values: [1, 2, 3], reduce: 2, consumed: 7))
        // VSIM takes no REDUCE: the word is an unknown format there.
        #expect(
            VectorSpecification.parse(
                args("VSIM", "k", "REDUCE", "2", "VALUES", "1", "1"), from: 2, allowsReduce: false) == nil)
        // Zeros however spelled are zeros; a double that underflows is refused, as Redis does.
        for zero in ["0", "-0", "0.000", "0e-999", "0x0p3"] {
            #expect(
                VectorSpecification.parse(args("V", "k", "VALUES", "1", zero), from: 2, allowsReduce: false)?.values
                    == [0])
        }
        // Narrowed to f32 (1e-50 is a double, and 0 as a float).
        #expect(
            VectorSpecification.parse(args("VADD", "k", "VALUES", "1", "1e-50", "e"), from: 2, allowsReduce: true)?
                .values == [0])
    }

    @Test(arguments: [
        ["VALUES", "0", "e"], ["VALUES", "-1", "e"], ["VALUES", "x", "e"], ["VALUES", "04", "1", "e"],
        ["VALUES", "+1", "1", "e"],
        ["VALUES", "3", "1", "2"], ["VALUES", "2", "1", "nan"], ["VALUES", "2", "1", " 1"], ["VALUES", "2", "1", "1x"],
        ["VALUES", "1", "1e400"], ["VALUES", "1", "1e-400"], ["VALUES", "1", "-0x1p-1100"], ["VALUES", "1", "1e300"],
        ["VALUES", "1", "inf"], ["VALUES", "65537", "1"],
        ["FP32", "abc"],
        ["FP32", ""], ["FP32"], ["VALUES"], ["JSON", "[1]"], ["REDUCE", "0", "VALUES", "1", "1"],
        ["REDUCE", "x", "VALUES", "1", "1"],
        ["REDUCE", "3", "VALUES", "2", "1", "1"], ["REDUCE", "1", "FOO", "1"],
    ])
    func invalidSpecifications(_ words: [String]) {
        #expect(
            VectorSpecification.parse(
                [Array("VADD".utf8), Array("k".utf8)] + words.map { Array($0.utf8) }, from: 2, allowsReduce: true)
                == nil)
    }

    @Test func nonFiniteBlobsAreRefused() {
        #expect(
            VectorSpecification.parse(
                [Array("V".utf8), Array("k".utf8), Array("FP32".utf8), fp32(1, .nan)], from: 2, allowsReduce: false)
                == nil)
        #expect(
            VectorSpecification.parse(
                [Array("V".utf8), Array("k".utf8), Array("FP32".utf8), fp32(.infinity)], from: 2, allowsReduce: false)
                == nil)
    }

    /// REDUCE is only recognised with two more arguments after it (Redis's rule): `REDUCE 2` at
    /// the end is read as a format and refused.
    @Test func reduceNeedsRoomForAFormat() {
        #expect(VectorSpecification.parse(args("VADD", "k", "REDUCE", "2"), from: 2, allowsReduce: true) == nil)
    }
}

@Suite struct VectorAddOptionsTests {
    @Test func defaultsAndLastOneWins() throws {
        #expect(try VectorAddOptions.parse(args("e"), from: 1) == VectorAddOptions())
        let options = try VectorAddOptions.parse(
            args("cas", "NOQUANT", "bin", "EF", "7", "ef", "9", "SETATTR", "a", "SETATTR", "", "M", "64"), from: 0)
        #expect(
            options.cas && options.quantization == .binary && options.ef == 9 && options.attributes == []
                && options.m == 64)
        #expect(try VectorAddOptions.parse(args("BIN", "Q8"), from: 0).quantization == .q8)
    }

    @Test(arguments: [
        (["FOO"], "ERR invalid option after element"), (["EF"], "ERR invalid option after element"),
        (["M"], "ERR invalid option after element"), (["SETATTR"], "ERR invalid option after element"),
        (["EF", "0"], "ERR invalid EF"), (["EF", "1000001"], "ERR invalid EF"), (["EF", "1.5"], "ERR invalid EF"),
        (["M", "3"], "ERR invalid M"), (["M", "4097"], "ERR invalid M"), (["M", "-16"], "ERR invalid M"),
        (["NOQUANT", "EF", "x"], "ERR invalid EF"),
    ])
    func errors(_ words: [String], _ message: String) {
        #expect(throws: CommandError(message)) { try VectorAddOptions.parse(words.map { Array($0.utf8) }, from: 0) }
    }
}

@Suite struct VectorSimilarityOptionsTests {
    @Test func everyOption() throws {
        let options = try VectorSimilarityOptions.parse(
            args(
                "withattribs", "WITHSCORES", "COUNT", "3", "EPSILON", "0.25", "EF", "50", "FILTER", ".a > 1", "FILTER",
                ".b", "FILTER-EF", "9", "TRUTH", "NOTHREAD"),
            from: 0)
        #expect(options.withScores && options.withAttributes && options.truth && options.noThread)
        #expect(options.count == 3 && options.epsilon == 0.25 && options.ef == 50 && options.filterEF == 9)
        #expect(options.filter?.source == ".b")
        let defaults = try VectorSimilarityOptions.parse([], from: 0)
        #expect(defaults.count == 10 && defaults.ef == nil && defaults.epsilon == 2 && defaults.filter == nil)
    }

    @Test(arguments: [
        (["COUNT", "0"], "ERR invalid COUNT"), (["COUNT", "-3"], "ERR invalid COUNT"),
        (["EPSILON", "0"], "ERR invalid EPSILON"),
        (["EPSILON", "nan"], "ERR invalid EPSILON"), (["EF", "0"], "ERR invalid EF"),
        (["EF", "1000001"], "ERR invalid EF"),
        (["FILTER-EF", "0"], "ERR invalid FILTER-EF"), (["COUNT"], "ERR syntax error in VSIM command"),
        (["WITHSCORES", "FOO"], "ERR syntax error in VSIM command"), (["FILTER"], "ERR syntax error in VSIM command"),
        (["FILTER", ".a @ 1"], "ERR syntax error in FILTER expression near: @ 1"),
        (["FILTER", ""], "ERR syntax error in FILTER expression near: "),
    ])
    func errors(_ words: [String], _ message: String) {
        #expect(throws: CommandError(message)) {
            try VectorSimilarityOptions.parse(words.map { Array($0.utf8) }, from: 0)
        }
    }
}

@Suite struct VectorRangeBoundTests {
    @Test func forms() {
        #expect(VectorRangeBound(Array("-".utf8)) == .minimum)
        #expect(VectorRangeBound(Array("+".utf8)) == .maximum)
        #expect(VectorRangeBound(Array("[ab".utf8)) == .element(Array("ab".utf8), inclusive: true))
        #expect(VectorRangeBound(Array("(".utf8) + [0]) == .element([0], inclusive: false))
        for bad in ["", "[", "(", "a", "--", "++", "-a"] { #expect(VectorRangeBound(Array(bad.utf8)) == nil, "\(bad)") }
    }

    @Test func endsCompareBytesShorterFirst() {
        let inclusive = VectorRangeBound.element(Array("ab".utf8), inclusive: true)
        let exclusive = VectorRangeBound.element(Array("ab".utf8), inclusive: false)
        #expect(inclusive.admitsAsEnd(Array("a".utf8)) && inclusive.admitsAsEnd(Array("ab".utf8)))
        #expect(!inclusive.admitsAsEnd(Array("abc".utf8)) && !inclusive.admitsAsEnd([0xFF]))
        #expect(exclusive.admitsAsEnd(Array("aa\u{7F}".utf8)) && !exclusive.admitsAsEnd(Array("ab".utf8)))
        #expect(VectorRangeBound.maximum.admitsAsEnd([0xFF, 0xFF]))
    }
}
