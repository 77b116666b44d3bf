internal import QuiverKernels
internal import CQuiverSIMD

/// How vectors are encoded for storage and compared, for one metric, encoding and dimension.
///
/// Not generic on purpose: one predictable switch per distance keeps the search loop a single
/// specialised function for every encoding, with the kernel reached through a C function pointer
/// chosen once from the active SIMD level.
struct VectorSpace: @unchecked Sendable {  // holds pointers to static, immutable C tables only
    enum Kind {
        case f32L2, f32Dot, f16L2, f16Dot, i8L2, i8Dot, binary
    }

    let kind: Kind
    let metric: Metric
    let encoding: VectorEncoding
    let dimension: Int
    /// Bytes per encoded vector, padded to 8 (kernels load unaligned, and padding to 16 would cost
    /// int8 vectors of small dimension a tenth of their size).
    let stride: Int
    let kernels: DistanceKernels
    /// 64-bit words of a binary code.
    let words: Int

    init(metric: Metric, encoding: VectorEncoding, dimension: Int, kernels: DistanceKernels = .active) {
        self.metric = metric
        self.encoding = encoding
        self.dimension = dimension
        self.kernels = kernels
        self.words = BinaryQuantizer.words(dimension: dimension)
        self.stride = encoding.bytesPerVector(dimension: dimension)
        let isL2 = metric == .l2
        switch encoding {
        case .f32: kind = isL2 ? .f32L2 : .f32Dot
        case .f16: kind = isL2 ? .f16L2 : .f16Dot
        case .i8: kind = isL2 ? .i8L2 : .i8Dot
        case .binary: kind = .binary
        }
    }

    /// Encodes `vector` (already normalised for cosine) into `destination` (`stride` bytes).
    func encode(_ vector: UnsafeBufferPointer<Float>, into destination: UnsafeMutableRawPointer) {
        switch encoding {
        case .f32:
            destination.copyMemory(from: vector.baseAddress!, byteCount: dimension * 4)
        case .f16:
            HalfPrecision.encode(vector, into: destination.assumingMemoryBound(to: UInt16.self))
        case .i8:
            ScalarQuantizer.encode(vector, into: destination)
        case .binary:
            BinaryQuantizer.encode(vector, into: destination.assumingMemoryBound(to: UInt64.self))
        }
    }

    /// The distance between two encoded vectors; smaller is closer.
    @inline(__always)
    func distance(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer) -> Float {
        let table = kernels.table.pointee
        switch kind {
        case .f32L2:
            return table.l2sq_f32(a.assumingMemoryBound(to: Float.self), b.assumingMemoryBound(to: Float.self), dimension)
        case .f32Dot:
            return fromDot(table.dot_f32(a.assumingMemoryBound(to: Float.self), b.assumingMemoryBound(to: Float.self), dimension))
        case .f16L2:
            return table.l2sq_f16(a.assumingMemoryBound(to: UInt16.self), b.assumingMemoryBound(to: UInt16.self), dimension)
        case .f16Dot:
            return fromDot(table.dot_f16(a.assumingMemoryBound(to: UInt16.self), b.assumingMemoryBound(to: UInt16.self), dimension))
        case .i8L2:
            let dot = Float(table.dot_i8(ScalarQuantizer.codes(a), ScalarQuantizer.codes(b), dimension))
            let scaled = dot * ScalarQuantizer.scale(a) * ScalarQuantizer.scale(b)
            return max(0, ScalarQuantizer.squaredNorm(a) + ScalarQuantizer.squaredNorm(b) - 2 * scaled)
        case .i8Dot:
            let dot = Float(table.dot_i8(ScalarQuantizer.codes(a), ScalarQuantizer.codes(b), dimension))
            return fromDot(dot * ScalarQuantizer.scale(a) * ScalarQuantizer.scale(b))
        case .binary:
            return Float(table.hamming(a.assumingMemoryBound(to: UInt64.self), b.assumingMemoryBound(to: UInt64.self), words))
        }
    }

    @inline(__always)
    private func fromDot(_ dot: Float) -> Float { metric == .cosine ? 1 - dot : -dot }

    /// The exact distance between two f32 vectors under this space's metric (vectors normalised
    /// for cosine).
    @inline(__always)
    func exactDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
        switch metric {
        case .l2: kernels.squaredL2(a, b, count: dimension)
        case .cosine: 1 - kernels.dot(a, b, count: dimension)
        case .innerProduct: -kernels.dot(a, b, count: dimension)
        }
    }

    /// Copies `vector` into `destination`, normalised to unit length for cosine.
    ///
    /// A zero vector cannot be normalised; it is stored as is and is at distance 1 from everything.
    func prepare(_ vector: UnsafeBufferPointer<Float>, into destination: UnsafeMutablePointer<Float>) {
        destination.update(from: vector.baseAddress!, count: dimension)
        guard metric == .cosine else { return }
        let norm = kernels.dot(destination, destination, count: dimension).squareRoot()
        guard norm > 0 else { return }
        let inverse = 1 / norm
        for i in 0..<dimension { destination[i] *= inverse }
    }
}
