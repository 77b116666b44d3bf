import CQuiverSIMD
import QuiverKernels
import QuiverTestSupport
import Testing

private let supportedLevels = SIMDLevel.allCases.filter(\.isSupported)

private func isHalfNaN(_ h: UInt16) -> Bool { h & 0x7c00 == 0x7c00 && h & 0x03ff != 0 }

private func toHalf(_ source: [Float], level: SIMDLevel) -> [UInt16] {
    var out = [UInt16](repeating: 0, count: source.count)
    let ok = quiver_f32_to_f16_for_level(level.cLevel, source, &out, source.count)
    #expect(ok == 1)
    return out
}

private func toFloat(_ source: [UInt16], level: SIMDLevel) -> [Float] {
    var out = [Float](repeating: 0, count: source.count)
    let ok = quiver_f16_to_f32_for_level(level.cLevel, source, &out, source.count)
    #expect(ok == 1)
    return out
}

/// f32 inputs for conversion: a strided sweep of all 2³² bit patterns, every half-way point
/// between adjacent halves and its neighbours one ulp away, and hand-picked edges.
private let conversionInputs: [Float] = {
    var values: [Float] = []
    for bits in stride(from: UInt64(0), to: 1 << 32, by: 4093) { values.append(Float(bitPattern: UInt32(bits))) }
    for h in UInt16(0)..<0x7c00 {
        for sign: UInt16 in [0, 0x8000] {
            let lower = Float(Float16(bitPattern: h | sign))
            let upper = Float(Float16(bitPattern: (h + 1) | sign))
            let middle = (lower + upper) / 2  // exact: a half has 11 significant bits, a float 24
            values += [middle, middle.nextUp, middle.nextDown]
        }
    }
    values += [
        0, -0, .infinity, -.infinity, 65504, 65519.996, 65520, -65520, .greatestFiniteMagnitude,
        0x1p-24, 0x1p-25, 0x1.000002p-25, 0x1p-26, 0x1p-14, 0x1.ffcp-15, .leastNonzeroMagnitude,
        Float(bitPattern: 0x7fc0_0000), Float(bitPattern: 0xffc0_1234), Float(bitPattern: 0x7f80_0001),
        Float(bitPattern: 0x7fbf_ffff), Float(bitPattern: 0xff80_2000),
    ]
    return values
}()

@Suite struct HalfPrecisionTests {
    /// Every binary16 value converts to f32 exactly; a NaN becomes a quiet NaN with the same sign
    /// and payload.
    @Test(arguments: supportedLevels)
    func decodingIsExactForEveryBitPattern(level: SIMDLevel) {
        let halves = (0...UInt16.max).map { $0 }
        let floats = toFloat(halves, level: level)
        for (h, f) in zip(halves, floats) {
            if isHalfNaN(h) {
                let expected = UInt32(h & 0x8000) << 16 | 0x7fc0_0000 | UInt32(h & 0x1ff) << 13
                #expect(f.bitPattern == expected, "\(h)")
            } else {
                #expect(f.bitPattern == Float(Float16(bitPattern: h)).bitPattern, "\(h)")
            }
        }
    }

    /// f16 → f32 → f16 gives back every value; a NaN comes back as the same NaN, made quiet.
    @Test(arguments: supportedLevels)
    func everyBitPatternRoundTrips(level: SIMDLevel) {
        let halves = (0...UInt16.max).map { $0 }
        let back = toHalf(toFloat(halves, level: level), level: level)
        for (h, r) in zip(halves, back) {
            if isHalfNaN(h) {
                #expect(r == h | 0x0200, "\(h)")
            } else {
                #expect(r == h, "\(h)")
            }
        }
    }

    /// f32 → f16 rounds to nearest even, bit for bit the same at every level, and equal to Swift's
    /// own `Float16(_:)` for every non-NaN input.
    @Test(arguments: supportedLevels)
    func encodingMatchesTheScalarReference(level: SIMDLevel) {
        let got = toHalf(conversionInputs, level: level)
        let reference = toHalf(conversionInputs, level: .baseline)
        var mismatches = 0
        for (i, x) in conversionInputs.enumerated() {
            let expected = x.isNaN ? reference[i] : Float16(x).bitPattern
            if got[i] != expected || reference[i] != expected {
                mismatches += 1
                if mismatches <= 10 {
                    Issue.record("\(x) (0x\(String(x.bitPattern, radix: 16))): \(got[i]) vs \(expected)")
                }
            }
            if x.isNaN && !isHalfNaN(got[i]) { Issue.record("NaN 0x\(String(x.bitPattern, radix: 16)) lost") }
        }
        #expect(mismatches == 0)
    }

    /// Every length, at unaligned addresses, converts exactly `count` elements and writes nothing
    /// past them.
    @Test(arguments: supportedLevels)
    func conversionsHonourLengthAndAlignment(level: SIMDLevel) {
        var rng = SeededGenerator(seed: 16)
        for n in 0...70 {
            for offset in 0...3 {
                let source = (0..<n).map { _ in rng.nextGaussian() * 100 }
                var src = [Float](repeating: 7, count: offset + n + 32)
                src.replaceSubrange(offset..<(offset + n), with: source)
                var halves = [UInt16](repeating: 0xdead, count: offset + n + 32)
                let ok = src.withUnsafeBufferPointer { s in
                    halves.withUnsafeMutableBufferPointer { d in
                        quiver_f32_to_f16_for_level(level.cLevel, s.baseAddress! + offset, d.baseAddress! + offset, n)
                    }
                }
                #expect(ok == 1)
                #expect(Array(halves[offset..<(offset + n)]) == source.map { Float16($0).bitPattern })
                #expect(
                    halves[..<offset].allSatisfy { $0 == 0xdead } && halves[(offset + n)...].allSatisfy { $0 == 0xdead }
                )

                var floats = [Float](repeating: 7, count: offset + n + 32)
                _ = halves.withUnsafeBufferPointer { s in
                    floats.withUnsafeMutableBufferPointer { d in
                        quiver_f16_to_f32_for_level(level.cLevel, s.baseAddress! + offset, d.baseAddress! + offset, n)
                    }
                }
                #expect(Array(floats[offset..<(offset + n)]) == source.map { Float(Float16($0)) })
                #expect(floats[..<offset].allSatisfy { $0 == 7 } && floats[(offset + n)...].allSatisfy { $0 == 7 })
            }
        }
    }

    @Test func unsupportedLevelConvertsNothing() {
        for level in SIMDLevel.allCases where !level.isSupported {
            var out: [UInt16] = [1]
            #expect(quiver_f32_to_f16_for_level(level.cLevel, [2], &out, 1) == 0)
            #expect(out == [1])
        }
    }

    @Test func publicAPIRoundTrips() {
        let source: [Float] = [0, -0.0, 1, -2.5, 65504, 1e-7, 3.14159, 70000, -.infinity]
        var halves = [UInt16](repeating: 0, count: source.count)
        source.withUnsafeBufferPointer { HalfPrecision.encode($0, into: &halves) }
        #expect(halves == source.map { Float16($0).bitPattern })
        var back = [Float](repeating: 0, count: source.count)
        HalfPrecision.decode(halves, count: halves.count, into: &back)
        #expect(back.map(\.bitPattern) == source.map { Float(Float16($0)).bitPattern })
        #expect(back[7] == .infinity)
    }
}
