import Benchmark
import QuiverKernels

// Throughput of every distance kernel at every SIMD level this CPU supports, at common embedding
// sizes. Each scaled iteration computes one distance between a fixed query and the next vector of
// a small pool, the access pattern of an index scan. The pool (at most 32 KiB of f32 vectors) stays
// in L1, so the numbers measure the kernels, not memory; throughput is distances per second.

private let dimensions = [128, 384, 768, 1536]

/// Deterministic inputs (SplitMix64), shared by every level so their results can be compared.
///
/// `@unchecked Sendable`: the buffers are written once in `init` and only read afterwards; they
/// live for the whole process.
private struct Inputs: @unchecked Sendable {
    let dimension: Int
    /// Vectors after the query: a power of two, so that cycling through them is a mask.
    let poolSize: Int
    let floats: UnsafeMutablePointer<Float>
    let halves: UnsafeMutablePointer<UInt16>
    let bytes: UnsafeMutablePointer<Int8>
    let words: UnsafeMutablePointer<UInt64>
    var wordCount: Int { BinaryQuantizer.words(dimension: dimension) }

    init(dimension: Int) {
        self.dimension = dimension
        var poolSize = 64
        while poolSize > 2 && poolSize * dimension * MemoryLayout<Float>.size > 32 << 10 { poolSize /= 2 }
        self.poolSize = poolSize
        let count = (poolSize + 1) * dimension  // the query is vector 0, the pool follows
        var state: UInt64 = 0x5eed &+ UInt64(dimension)
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        // 64-byte aligned like the index's vector slots: a load that crosses a cache line costs
        // two L1 accesses and would halve the AVX-512 numbers.
        func allocate<T>(_: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
            UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<T>.stride, alignment: 64)
                .bindMemory(to: T.self, capacity: count)
        }
        floats = allocate(Float.self, count)
        halves = allocate(UInt16.self, count)
        bytes = allocate(Int8.self, count)
        for i in 0..<count {
            let x = Float(Double(next() >> 11) * 0x1p-53 * 2 - 1)
            floats[i] = x
            bytes[i] = Int8(x * 127)
        }
        HalfPrecision.encode(UnsafeBufferPointer(start: floats, count: count), into: halves)
        let wordsPerVector = BinaryQuantizer.words(dimension: dimension)
        words = allocate(UInt64.self, (poolSize + 1) * wordsPerVector)
        for i in 0..<((poolSize + 1) * wordsPerVector) { words[i] = next() }
    }
}

/// The kernels, each run as the query against stored vector `index` of the pool.
private enum Kernel: String, CaseIterable {
    case l2sqF32 = "l2sq_f32"
    case dotF32 = "dot_f32"
    case cosineF32 = "cosine_f32"
    case l2sqF16 = "l2sq_f16"
    case dotF16 = "dot_f16"
    case dotI8 = "dot_i8"
    case l2sqI8 = "l2sq_i8"
    case hamming

    @inline(__always)
    func run(_ k: DistanceKernels, _ v: Inputs, _ index: Int) -> Float {
        let d = v.dimension
        let offset = (1 + index) * d
        switch self {
        case .l2sqF32: return k.squaredL2(v.floats, v.floats + offset, count: d)
        case .dotF32: return k.dot(v.floats, v.floats + offset, count: d)
        case .cosineF32: return k.cosineDistance(v.floats, v.floats + offset, count: d)
        case .l2sqF16: return k.squaredL2(half: v.halves, v.halves + offset, count: d)
        case .dotF16: return k.dot(half: v.halves, v.halves + offset, count: d)
        case .dotI8: return Float(k.dot(int8: v.bytes, v.bytes + offset, count: d))
        case .l2sqI8: return Float(k.squaredL2(int8: v.bytes, v.bytes + offset, count: d))
        case .hamming: return Float(k.hamming(v.words, v.words + (1 + index) * v.wordCount, words: v.wordCount))
        }
    }

    /// Computes `iterations` distances, cycling through the pool. The switch is outside the loop,
    /// and the results are summed and black-holed once, so the loop adds almost nothing per call.
    func measure(_ k: DistanceKernels, _ v: Inputs, iterations: Range<Int>) {
        func loop(_ body: (Int) -> Float) {
            var sum: Float = 0
            for i in iterations { sum += body(i & (v.poolSize - 1)) }
            blackHole(sum)
        }
        switch self {
        case .l2sqF32: loop { Kernel.l2sqF32.run(k, v, $0) }
        case .dotF32: loop { Kernel.dotF32.run(k, v, $0) }
        case .cosineF32: loop { Kernel.cosineF32.run(k, v, $0) }
        case .l2sqF16: loop { Kernel.l2sqF16.run(k, v, $0) }
        case .dotF16: loop { Kernel.dotF16.run(k, v, $0) }
        case .dotI8: loop { Kernel.dotI8.run(k, v, $0) }
        case .l2sqI8: loop { Kernel.l2sqI8.run(k, v, $0) }
        case .hamming: loop { Kernel.hamming.run(k, v, $0) }
        }
    }
}

/// Checks a level against the portable kernels before it is timed, so a fast wrong kernel
/// cannot post a number.
private func verify(_ kernel: Kernel, _ kernels: DistanceKernels, _ inputs: Inputs) {
    let baseline = DistanceKernels(level: .baseline)!
    for i in 0..<inputs.poolSize {
        let got = kernel.run(kernels, inputs, i)
        let expected = kernel.run(baseline, inputs, i)
        precondition(
            abs(got - expected) <= 1e-4 * max(1, abs(expected)),
            "\(kernel.rawValue) at \(kernels.level) d=\(inputs.dimension): \(got) vs \(expected)")
    }
}

let benchmarks: @Sendable () -> Void = {
    // Half a second each keeps the 96 benchmarks near a minute; p50s repeat within about 5 %.
    let configuration = Benchmark.Configuration(
        metrics: [.throughput, .wallClock],
        scalingFactor: .kilo,
        maxDuration: .milliseconds(500),
        maxIterations: 1_000_000)

    for dimension in dimensions {
        let inputs = Inputs(dimension: dimension)
        for level in SIMDLevel.allCases where level.isSupported {
            let kernels = DistanceKernels(level: level)!
            for kernel in Kernel.allCases {
                verify(kernel, kernels, inputs)
                let name = "\(kernel.rawValue) \(level.rawValue) d=\(dimension)"
                Benchmark(name, configuration: configuration) { benchmark in
                    kernel.measure(kernels, inputs, iterations: benchmark.scaledIterations)
                }
            }
        }
    }
}
