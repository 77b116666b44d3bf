import CQuiverSIMD
import QuiverKernels
import QuiverTestSupport
import Testing

/// One kernel table under test: a level this CPU supports, limited to some of its optional
/// features (so that the AVX-512 paths without VNNI or VPOPCNTDQ run here too).
struct KernelVariant: Sendable, CustomTestStringConvertible {
    let level: SIMDLevel
    let features: UInt32

    var table: UnsafePointer<quiver_kernel_table> {
        quiver_kernels_for_level_features(level.cLevel, features)!
    }

    var testDescription: String {
        var names = [level.rawValue]
        if features & QUIVER_SIMD_FEATURE_AVX512_VNNI != 0 { names.append("vnni") }
        if features & QUIVER_SIMD_FEATURE_AVX512_VPOPCNTDQ != 0 { names.append("vpopcntdq") }
        return names.joined(separator: "+")
    }

    /// Every supported level, and for AVX-512 every subset of the optional features the CPU has.
    static let all: [KernelVariant] = SIMDLevel.allCases.filter(\.isSupported).flatMap { level -> [KernelVariant] in
        guard level == .avx512 else { return [KernelVariant(level: level, features: 0)] }
        let available = quiver_simd_features()
        return (0...QUIVER_SIMD_FEATURE_ALL).filter { $0 & ~available == 0 }.map {
            KernelVariant(level: level, features: $0)
        }
    }
}

extension SIMDLevel {
    /// The C enumerator, spelled out here so that the tests also check the wrapper's mapping.
    var cLevel: quiver_simd_level {
        switch self {
        case .baseline: QUIVER_SIMD_BASELINE
        case .neon: QUIVER_SIMD_NEON
        case .avx2: QUIVER_SIMD_AVX2
        case .avx512: QUIVER_SIMD_AVX512
        }
    }
}

/// Every length up to 70 (each tail of every block size), then lengths around the common
/// embedding sizes and block boundaries up to 4099.
let testDimensions: [Int] =
    Array(1...70)
    + [
        71, 72, 79, 80, 95, 96, 97, 100, 127, 128, 129, 191, 192, 193, 255, 256, 257, 300, 383, 384, 385, 511, 512, 513,
        767, 768, 769, 1000, 1023, 1024, 1025, 1535, 1536, 1537, 2047, 2049, 3071, 3072, 3073, 4095, 4096, 4097, 4099,
    ]

/// A vector stored at an element offset inside guard elements, so that a kernel reading outside
/// `0..<count` (or mis-handling an unaligned start) picks up a guard value and gives a wrong result.
struct GuardedVector<Element>: Sendable where Element: Sendable {
    let storage: [Element]
    let offset: Int
    let count: Int

    init(_ values: [Element], offset: Int, guardValue: Element) {
        let guardCount = 64
        var storage = [Element](repeating: guardValue, count: offset + values.count + guardCount)
        storage.replaceSubrange(offset..<(offset + values.count), with: values)
        self.storage = storage
        self.offset = offset
        self.count = values.count
    }

    func withPointer<R>(_ body: (UnsafePointer<Element>) -> R) -> R {
        storage.withUnsafeBufferPointer { body($0.baseAddress! + offset) }
    }
}

/// A reference value and how far a kernel's f32 result may be from it.
struct Expected: Sendable {
    let value: Double
    let tolerance: Double

    func admits(_ got: Float) -> Bool { got.isFinite && abs(Double(got) - value) <= tolerance }
}

/// Σ terms in Double, with the tolerance 1e-5 · Σ|terms| + 1e-6 of f32 accumulation.
private func reference(_ terms: some Sequence<Double>) -> Expected {
    var sum = 0.0
    var magnitude = 0.0
    for t in terms {
        sum += t
        magnitude += abs(t)
    }
    return Expected(value: sum, tolerance: 1e-5 * magnitude + 1e-6)
}

/// The three float references of a pair of vectors given as Double.
private struct FloatReferences: Sendable {
    let l2: Expected
    let dot: Expected
    let cosine: Expected

    init(_ a: [Double], _ b: [Double]) {
        l2 = reference(zip(a, b).lazy.map { ($0 - $1) * ($0 - $1) })
        dot = reference(zip(a, b).lazy.map { $0 * $1 })
        let aa = a.reduce(0) { $0 + $1 * $1 }
        let bb = b.reduce(0) { $0 + $1 * $1 }
        if aa == 0 || bb == 0 {
            cosine = Expected(value: 1, tolerance: 0)
        } else {
            // Errors in a·b relative to Σ|ab| and in the norms carry over to cos through |a||b|.
            let norms = (aa * bb).squareRoot()
            let value = 1 - dot.value / norms
            let magnitude = zip(a, b).reduce(0) { $0 + abs($1.0 * $1.1) } / norms
            cosine = Expected(value: value, tolerance: 1e-5 * (magnitude + 1) + 1e-6)
        }
    }
}

/// Input shapes that stress accumulation: plain, huge, tiny, zero, equal and mixed magnitudes.
enum FloatPattern: String, CaseIterable, Sendable {
    case gaussian, large, tiny, zeroAndGaussian, zeros, equal, mixedMagnitudes, opposite

    func vectors(count: Int, using rng: inout SeededGenerator) -> ([Float], [Float]) {
        func gaussians(scale: Float = 1) -> [Float] { (0..<count).map { _ in rng.nextGaussian() * scale } }
        switch self {
        case .gaussian: return (gaussians(), gaussians())
        case .large: return (gaussians(scale: 1e15), gaussians(scale: 1e15))
        case .tiny: return (gaussians(scale: 1e-15), gaussians(scale: 1e-15))
        case .zeroAndGaussian: return ([Float](repeating: 0, count: count), gaussians())
        case .zeros: return ([Float](repeating: 0, count: count), [Float](repeating: 0, count: count))
        case .equal:
            let a = gaussians()
            return (a, a)
        case .mixedMagnitudes:
            func mixed() -> [Float] {
                (0..<count).map { _ in rng.nextGaussian() * Float.pow10(Int.random(in: -8...8, using: &rng)) }
            }
            return (mixed(), mixed())
        case .opposite:
            let a = gaussians()
            return (a, a.map { -$0 })
        }
    }
}

extension Float {
    fileprivate static func pow10(_ e: Int) -> Float {
        var x: Float = 1
        for _ in 0..<abs(e) { x *= 10 }
        return e < 0 ? 1 / x : x
    }
}

/// One f32 input pair with its references, shared by every variant.
private struct FloatCase: Sendable {
    let pattern: FloatPattern
    let a: GuardedVector<Float>
    let b: GuardedVector<Float>
    let expected: FloatReferences

    static let all: [FloatCase] = {
        var rng = SeededGenerator(seed: 0xF32)
        var cases: [FloatCase] = []
        for (k, n) in testDimensions.enumerated() {
            for pattern in FloatPattern.allCases {
                let (a, b) = pattern.vectors(count: n, using: &rng)
                cases.append(
                    FloatCase(
                        pattern: pattern,
                        a: GuardedVector(a, offset: k % 4, guardValue: .nan),
                        b: GuardedVector(b, offset: (k + 1) % 4, guardValue: .nan),
                        expected: FloatReferences(a.map(Double.init), b.map(Double.init))))
            }
        }
        return cases
    }()
}

/// Half-precision input shapes: gaussians, values near ±65504, subnormals and arbitrary finite bits.
enum HalfPattern: String, CaseIterable, Sendable {
    case gaussian, large, subnormal, anyFinite, zeros

    func vector(count: Int, using rng: inout SeededGenerator) -> [UInt16] {
        (0..<count).map { _ in
            switch self {
            case .gaussian: Float16(rng.nextGaussian()).bitPattern
            case .large: Float16(Float.random(in: -65504...65504, using: &rng)).bitPattern
            case .subnormal: UInt16.random(in: 0...0x3ff, using: &rng) | (Bool.random(using: &rng) ? 0x8000 : 0)
            case .anyFinite: UInt16.random(in: 0...0x7bff, using: &rng) | (Bool.random(using: &rng) ? 0x8000 : 0)
            case .zeros: 0
            }
        }
    }
}

private struct HalfCase: Sendable {
    let pattern: HalfPattern
    let a: GuardedVector<UInt16>
    let b: GuardedVector<UInt16>
    let l2: Expected
    let dot: Expected

    static let all: [HalfCase] = {
        var rng = SeededGenerator(seed: 0xF16)
        var cases: [HalfCase] = []
        for (k, n) in testDimensions.enumerated() {
            for pattern in HalfPattern.allCases {
                let a = pattern.vector(count: n, using: &rng)
                let b = pattern.vector(count: n, using: &rng)
                let da = a.map { Double(Float16(bitPattern: $0)) }
                let db = b.map { Double(Float16(bitPattern: $0)) }
                let expected = FloatReferences(da, db)
                cases.append(
                    HalfCase(
                        pattern: pattern,
                        a: GuardedVector(a, offset: (k + 2) % 4, guardValue: 0x7e00),  // NaN
                        b: GuardedVector(b, offset: (k + 3) % 4, guardValue: 0x7c00),  // +infinity
                        l2: expected.l2, dot: expected.dot))
            }
        }
        return cases
    }()
}

/// int8 input shapes, including the ±127 extremes the quantiser produces.
enum Int8Pattern: String, CaseIterable, Sendable {
    case uniform, extremes, maxDistance, negativeProducts, zeros, equal

    func vectors(count: Int, using rng: inout SeededGenerator) -> ([Int8], [Int8]) {
        func uniform() -> [Int8] { (0..<count).map { _ in Int8.random(in: -127...127, using: &rng) } }
        func extremes() -> [Int8] { (0..<count).map { _ in Bool.random(using: &rng) ? 127 : -127 } }
        switch self {
        case .uniform: return (uniform(), uniform())
        case .extremes: return (extremes(), extremes())
        case .maxDistance: return ([Int8](repeating: 127, count: count), [Int8](repeating: -127, count: count))
        case .negativeProducts: return ([Int8](repeating: -127, count: count), [Int8](repeating: -127, count: count))
        case .zeros: return ([Int8](repeating: 0, count: count), uniform())
        case .equal:
            let a = uniform()
            return (a, a)
        }
    }
}

private struct Int8Case: Sendable {
    let pattern: Int8Pattern
    let a: GuardedVector<Int8>
    let b: GuardedVector<Int8>
    let dot: Int32
    let l2: Int32

    static let all: [Int8Case] = {
        var rng = SeededGenerator(seed: 0x18)
        var cases: [Int8Case] = []
        for (k, n) in testDimensions.enumerated() {
            for pattern in Int8Pattern.allCases {
                let (a, b) = pattern.vectors(count: n, using: &rng)
                var dot = 0
                var l2 = 0
                for (x, y) in zip(a, b) {
                    dot += Int(x) * Int(y)
                    l2 += (Int(x) - Int(y)) * (Int(x) - Int(y))
                }
                cases.append(
                    Int8Case(
                        pattern: pattern,
                        a: GuardedVector(a, offset: 1 + k % 3, guardValue: 127),
                        b: GuardedVector(b, offset: k % 4, guardValue: -127),
                        dot: Int32(dot), l2: Int32(l2)))
            }
        }
        return cases
    }()
}

private struct HammingCase: Sendable {
    let a: GuardedVector<UInt64>
    let b: GuardedVector<UInt64>
    let expected: UInt32

    static let all: [HammingCase] = {
        var rng = SeededGenerator(seed: 0xB175)
        var cases: [HammingCase] = []
        for (k, words) in testDimensions.enumerated() {
            let random = (0..<words).map { _ in rng.next() }
            let other = (0..<words).map { _ in rng.next() }
            let ones = [UInt64](repeating: ~0, count: words)
            let zeros = [UInt64](repeating: 0, count: words)
            let lastBit = zeros.indices.map { $0 == words - 1 ? UInt64(1) << 63 : 0 }
            for (a, b) in [(random, other), (ones, zeros), (random, random), (lastBit, zeros), (ones, random)] {
                let expected = zip(a, b).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount }
                cases.append(
                    HammingCase(
                        a: GuardedVector(a, offset: k % 4, guardValue: ~0),
                        b: GuardedVector(b, offset: (k + 1) % 4, guardValue: 0),
                        expected: UInt32(expected)))
            }
        }
        return cases
    }()
}

@Suite struct DistanceKernelsTests {
    @Test(arguments: KernelVariant.all)
    func tableReportsItsLevel(variant: KernelVariant) throws {
        #expect(variant.table.pointee.level == variant.level.cLevel)
        let kernels = try #require(DistanceKernels(level: variant.level))
        #expect(kernels.level == variant.level)
        #expect(kernels.table == quiver_kernels_for_level(variant.level.cLevel))
    }

    @Test(arguments: KernelVariant.all)
    func f32KernelsMatchReference(variant: KernelVariant) {
        let t = variant.table.pointee
        for c in FloatCase.all {
            let n = c.a.count
            c.a.withPointer { a in
                c.b.withPointer { b in
                    let l2 = t.l2sq_f32(a, b, n)
                    let dot = t.dot_f32(a, b, n)
                    let cosine = t.cosine_f32(a, b, n)
                    #expect(c.expected.l2.admits(l2), "l2sq n=\(n) \(c.pattern): \(l2) vs \(c.expected.l2.value)")
                    #expect(c.expected.dot.admits(dot), "dot n=\(n) \(c.pattern): \(dot) vs \(c.expected.dot.value)")
                    #expect(
                        c.expected.cosine.admits(cosine),
                        "cosine n=\(n) \(c.pattern): \(cosine) vs \(c.expected.cosine.value)")
                    if c.pattern == .equal { #expect(l2 == 0) }
                }
            }
        }
    }

    @Test(arguments: KernelVariant.all)
    func f16KernelsMatchReference(variant: KernelVariant) {
        let t = variant.table.pointee
        for c in HalfCase.all {
            let n = c.a.count
            c.a.withPointer { a in
                c.b.withPointer { b in
                    let l2 = t.l2sq_f16(a, b, n)
                    let dot = t.dot_f16(a, b, n)
                    #expect(c.l2.admits(l2), "l2sq_f16 n=\(n) \(c.pattern): \(l2) vs \(c.l2.value)")
                    #expect(c.dot.admits(dot), "dot_f16 n=\(n) \(c.pattern): \(dot) vs \(c.dot.value)")
                }
            }
        }
    }

    @Test(arguments: KernelVariant.all)
    func int8KernelsAreExact(variant: KernelVariant) {
        let t = variant.table.pointee
        for c in Int8Case.all {
            let n = c.a.count
            c.a.withPointer { a in
                c.b.withPointer { b in
                    #expect(t.dot_i8(a, b, n) == c.dot, "dot_i8 n=\(n) \(c.pattern)")
                    #expect(t.l2sq_i8(a, b, n) == c.l2, "l2sq_i8 n=\(n) \(c.pattern)")
                }
            }
        }
    }

    @Test(arguments: KernelVariant.all)
    func hammingIsExact(variant: KernelVariant) {
        let t = variant.table.pointee
        for c in HammingCase.all {
            let n = c.a.count
            c.a.withPointer { a in
                c.b.withPointer { b in #expect(t.hamming(a, b, n) == c.expected, "hamming words=\(n)") }
            }
        }
    }

    @Test(arguments: KernelVariant.all)
    func emptyVectorsGiveNeutralResults(variant: KernelVariant) {
        let t = variant.table.pointee
        var f: Float = .nan
        var h: UInt16 = 0x7e00
        var i: Int8 = 127
        var w: UInt64 = ~0
        #expect(t.l2sq_f32(&f, &f, 0) == 0)
        #expect(t.dot_f32(&f, &f, 0) == 0)
        #expect(t.cosine_f32(&f, &f, 0) == 1)
        #expect(t.l2sq_f16(&h, &h, 0) == 0)
        #expect(t.dot_f16(&h, &h, 0) == 0)
        #expect(t.dot_i8(&i, &i, 0) == 0)
        #expect(t.l2sq_i8(&i, &i, 0) == 0)
        #expect(t.hamming(&w, &w, 0) == 0)
    }

    /// A NaN anywhere in the vector reaches the result: no tail path skips or masks a lane it
    /// should count.
    @Test(arguments: KernelVariant.all)
    func nanAtAnyPositionPropagates(variant: KernelVariant) {
        let t = variant.table.pointee
        for n in 1...70 {
            for position in 0..<n {
                var a = [Float](repeating: 0.5, count: n)
                let b = [Float](repeating: 0.25, count: n)
                a[position] = .nan
                var ha = [UInt16](repeating: 0x3800, count: n)
                let hb = [UInt16](repeating: 0x3400, count: n)
                ha[position] = 0x7e00
                #expect(t.l2sq_f32(a, b, n).isNaN, "l2sq_f32 n=\(n) at \(position)")
                #expect(t.dot_f32(a, b, n).isNaN, "dot_f32 n=\(n) at \(position)")
                #expect(t.cosine_f32(a, b, n).isNaN, "cosine_f32 n=\(n) at \(position)")
                #expect(t.l2sq_f16(ha, hb, n).isNaN, "l2sq_f16 n=\(n) at \(position)")
                #expect(t.dot_f16(ha, hb, n).isNaN, "dot_f16 n=\(n) at \(position)")
            }
        }
    }

    /// Infinities in counted lanes stay infinite: a masked tail must not turn `0 * inf` into NaN.
    @Test(arguments: KernelVariant.all)
    func infinityInAnyLaneGivesInfinity(variant: KernelVariant) {
        let t = variant.table.pointee
        for n in 1...40 {
            for position in 0..<n {
                var a = [UInt16](repeating: 0x3c00, count: n)  // 1.0
                a[position] = 0x7c00
                let b = [UInt16](repeating: 0x3c00, count: n)
                #expect(t.dot_f16(a, b, n) == .infinity, "dot_f16 n=\(n) at \(position)")
                #expect(t.l2sq_f16(a, b, n) == .infinity, "l2sq_f16 n=\(n) at \(position)")
            }
        }
    }

    @Test func wrappersCallTheirTable() throws {
        let kernels = DistanceKernels.active
        let a: [Float] = [1, 2, 3]
        let b: [Float] = [4, 6, 3]
        #expect(kernels.squaredL2(a, b, count: 3) == 25)
        #expect(kernels.dot(a, b, count: 3) == 25)
        #expect(abs(kernels.cosineDistance(a, b, count: 3) - Float(1 - 25 / (14.0 * 61).squareRoot())) < 1e-6)
        let ha: [UInt16] = a.map { Float16($0).bitPattern }
        let hb: [UInt16] = b.map { Float16($0).bitPattern }
        #expect(kernels.squaredL2(half: ha, hb, count: 3) == 25)
        #expect(kernels.dot(half: ha, hb, count: 3) == 25)
        let ia: [Int8] = [-127, 5, 127]
        let ib: [Int8] = [127, 5, 127]
        #expect(kernels.dot(int8: ia, ib, count: 3) == 25)
        #expect(kernels.squaredL2(int8: ia, ib, count: 3) == 254 * 254)
        #expect(kernels.hamming([0b1011, ~0], [0b0001, 0], words: 2) == 66)
    }
}
