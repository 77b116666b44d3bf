/// Scalar quantisation to int8 with one scale per vector.
///
/// A vector `x` becomes codes `q[i] = round(x[i] / s)` in -127...127 with `s = max|x[i]| / 127`,
/// stored after an 8-byte header of `s` and `|x̂|²` (the squared norm of the dequantised vector).
/// Dot products are computed on the integer codes and scaled once (`sa * sb * Σ qa·qb`), so no
/// vector is ever dequantised during search.
public enum ScalarQuantizer {
    /// Bytes before the codes: the scale and the squared norm, both f32.
    public static let headerBytes = 8

    /// Writes the header and codes of `vector` to `destination`.
    ///
    /// - Precondition: `destination` holds at least `headerBytes + vector.count` bytes.
    public static func encode(_ vector: UnsafeBufferPointer<Float>, into destination: UnsafeMutableRawPointer) {
        var maxAbs: Float = 0
        for x in vector { maxAbs = max(maxAbs, abs(x)) }
        // A vector below about 1e-43 has a scale that underflows to zero; it is stored as zero.
        let scale: Float = maxAbs / 127 > 0 ? maxAbs / 127 : 1
        // In Double, because 1 / scale overflows f32 when the scale is subnormal (max|x| < 4e-37),
        // which turned zeros into 127. Codes are taken against the stored, rounded scale.
        let inverse = 1 / Double(scale)
        let codes = (destination + headerBytes).assumingMemoryBound(to: Int8.self)
        var sumSquares: Int64 = 0
        for (i, x) in vector.enumerated() {
            let q = Int8(max(-127, min(127, (Double(x) * inverse).rounded())))
            codes[i] = q
            sumSquares += Int64(q) * Int64(q)
        }
        destination.storeBytes(of: scale, toByteOffset: 0, as: Float.self)
        destination.storeBytes(of: Float(sumSquares) * scale * scale, toByteOffset: 4, as: Float.self)
    }

    /// The scale stored in an encoded vector's header.
    @inlinable
    public static func scale(_ encoded: UnsafeRawPointer) -> Float {
        encoded.loadUnaligned(as: Float.self)
    }

    /// The squared norm of the dequantised vector stored in an encoded vector's header.
    @inlinable
    public static func squaredNorm(_ encoded: UnsafeRawPointer) -> Float {
        encoded.loadUnaligned(fromByteOffset: 4, as: Float.self)
    }

    /// The int8 codes of an encoded vector.
    @inlinable
    public static func codes(_ encoded: UnsafeRawPointer) -> UnsafePointer<Int8> {
        (encoded + headerBytes).assumingMemoryBound(to: Int8.self)
    }

    /// Dequantises an encoded vector of `dimension` elements into `output`.
    public static func decode(_ encoded: UnsafeRawPointer, dimension: Int, into output: UnsafeMutableBufferPointer<Float>) {
        let s = scale(encoded)
        let q = codes(encoded)
        for i in 0..<dimension { output[i] = Float(q[i]) * s }
    }
}
