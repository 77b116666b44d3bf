/// How an index stores each vector for search.
public enum VectorEncoding: String, Sendable, CaseIterable, Codable {
    /// 32-bit floats: exact, 4 bytes per dimension.
    case f32
    /// IEEE binary16: 2 bytes per dimension, about three significant digits.
    case f16
    /// Scalar-quantised int8 with a per-vector scale: 1 byte per dimension plus 8 bytes.
    case i8
    /// One sign bit per dimension compared by Hamming distance: 1/32 of f32; needs re-ranking.
    case binary

    /// Bytes one stored vector of `dimension` elements takes, including per-vector parameters
    /// and padding to a multiple of 8 bytes.
    public func bytesPerVector(dimension: Int) -> Int {
        let raw: Int
        switch self {
        case .f32: raw = dimension * 4
        case .f16: raw = dimension * 2
        case .i8: raw = ScalarQuantizer.headerBytes + dimension
        case .binary: raw = BinaryQuantizer.words(dimension: dimension) * 8
        }
        return (raw + 7) & ~7
    }
}
