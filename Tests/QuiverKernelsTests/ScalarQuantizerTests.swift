import CQuiverSIMD
import QuiverKernels
import QuiverTestSupport
import Testing

/// Encodes `vector` into a fresh buffer that starts `misalignment` bytes past an aligned address.
private func encoded(_ vector: [Float], misalignment: Int = 0) -> [UInt8] {
    var bytes = [UInt8](repeating: 0xa5, count: misalignment + ScalarQuantizer.headerBytes + vector.count)
    bytes.withUnsafeMutableBytes { raw in
        vector.withUnsafeBufferPointer { ScalarQuantizer.encode($0, into: raw.baseAddress! + misalignment) }
    }
    return Array(bytes[misalignment...])
}

private func decoded(_ bytes: [UInt8], dimension: Int) -> [Float] {
    var out = [Float](repeating: .nan, count: dimension)
    bytes.withUnsafeBytes { raw in
        out.withUnsafeMutableBufferPointer { ScalarQuantizer.decode(raw.baseAddress!, dimension: dimension, into: $0) }
    }
    return out
}

private func codes(_ bytes: [UInt8]) -> [Int8] {
    bytes[ScalarQuantizer.headerBytes...].map { Int8(bitPattern: $0) }
}

private func header(_ bytes: [UInt8]) -> (scale: Float, squaredNorm: Float) {
    bytes.withUnsafeBytes { (ScalarQuantizer.scale($0.baseAddress!), ScalarQuantizer.squaredNorm($0.baseAddress!)) }
}

@Suite struct ScalarQuantizerTests {
    static let dimensions = [1, 2, 3, 7, 16, 31, 64, 100, 127, 128, 384, 769, 1536]

    /// Each element comes back within half a quantisation step, the largest one maps to ±127,
    /// and the header holds the scale and the dequantised vector's squared norm.
    @Test(arguments: [Float(1), 1e-3, 1e15, 1e-30, 1e-38])
    func roundTripStaysWithinHalfAStep(magnitude: Float) {
        var rng = SeededGenerator(seed: 5)
        for (k, n) in Self.dimensions.enumerated() {
            let vector = (0..<n).map { _ in rng.nextGaussian() * magnitude }
            let bytes = encoded(vector, misalignment: k % 4)
            let (scale, squaredNorm) = header(bytes)
            let maxAbs = vector.map(abs).max()!
            #expect(scale == maxAbs / 127)
            let q = codes(bytes)
            #expect(q.allSatisfy { (-127...127).contains($0) })
            #expect(q.contains { abs($0) == 127 })
            let back = decoded(bytes, dimension: n)
            for (x, y) in zip(vector, back) {
                // Half a step, plus the rounding of the scale itself when it is subnormal.
                #expect(abs(x - y) <= scale / 2 * 1.0001 + 127 * Float.leastNonzeroMagnitude, "\(x) -> \(y)")
            }
            let exactNorm = back.reduce(0.0) { $0 + Double($1) * Double($1) }
            #expect(abs(Double(squaredNorm) - exactNorm) <= 1e-5 * exactNorm + Double(Float.leastNonzeroMagnitude))
        }
    }

    /// A zero vector keeps scale 1 (never 0, which would make the codes undefined) and all-zero codes.
    @Test func zeroVectorEncodesAsZeros() {
        let bytes = encoded([Float](repeating: 0, count: 33))
        #expect(header(bytes).scale == 1)
        #expect(header(bytes).squaredNorm == 0)
        #expect(codes(bytes).allSatisfy { $0 == 0 })
    }

    /// Vectors so small that 1/scale overflows f32 still encode zeros as 0 and the extremes as ±127.
    @Test(arguments: [Float(1e-36), 1e-38, Float.leastNormalMagnitude / 128])
    func tinyVectorsKeepTheirCodes(magnitude: Float) {
        let vector: [Float] = [0, magnitude, -magnitude, magnitude / 2, 0]
        let q = codes(encoded(vector))
        #expect(q[0] == 0 && q[4] == 0)
        #expect(q[1] == 127 && q[2] == -127)
        #expect(abs(Int(q[3]) - 64) <= 1, "\(q)")
    }

    /// A vector whose scale would underflow to zero is stored as the zero vector.
    @Test func vectorBelowTheSmallestScaleEncodesAsZero() {
        let q = encoded([Float.leastNonzeroMagnitude, 0, -Float.leastNonzeroMagnitude])
        #expect(header(q).scale == 1)
        #expect(codes(q) == [0, 0, 0])
    }

    /// `sa · sb · Σ qa·qb` approximates `a·b` within the bound the quantisation error allows, at
    /// every kernel level.
    @Test(arguments: KernelVariant.all)
    func integerDotReconstructsTheFloatDot(variant: KernelVariant) {
        var rng = SeededGenerator(seed: 9)
        let t = variant.table.pointee
        for n in Self.dimensions + [4099] {
            let a = (0..<n).map { _ in rng.nextGaussian() }
            let b = (0..<n).map { _ in rng.nextGaussian() * 3 }
            let ea = encoded(a)
            let eb = encoded(b)
            let (sa, _) = header(ea)
            let (sb, _) = header(eb)
            let integer = codes(ea).withUnsafeBufferPointer { qa in
                codes(eb).withUnsafeBufferPointer { qb in t.dot_i8(qa.baseAddress!, qb.baseAddress!, n) }
            }
            let approximate = Double(sa) * Double(sb) * Double(integer)
            let exact = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            // |a·b - â·b̂| <= Σ |a||b̂ - b| + |b̂||a - â| with steps of at most s/2 per element.
            let (ha, hb) = (Double(sa) / 2, Double(sb) / 2)
            let bound = zip(a, b).reduce(0.0) { $0 + abs(Double($1.0)) * hb + (abs(Double($1.1)) + hb) * ha }
            #expect(abs(approximate - exact) <= bound * 1.001 + 1e-6, "n=\(n)")
            // Random rounding errors cancel: the typical error is far below the worst case.
            if n >= 128 { #expect(abs(approximate - exact) <= bound / 4, "n=\(n)") }
        }
    }
}
