internal import ArgumentParser
package import QuiverKernels

/// The `--quantization` values: how the index stores vectors for search.
package enum QuantizationOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// 32-bit floats (exact).
    case f32
    /// IEEE binary16.
    case f16
    /// Scalar-quantised int8, re-ranked from f32 originals.
    case i8
    /// Sign bits, re-ranked from f32 originals.
    case binary

    /// The index encoding.
    package var encoding: VectorEncoding {
        switch self {
        case .f32: .f32
        case .f16: .f16
        case .i8: .i8
        case .binary: .binary
        }
    }
}
