internal import CQuiverSIMD
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// An instruction-set level the distance kernels are compiled for.
///
/// One binary carries every level for its architecture; ``SIMDLevel/active`` picks the best one
/// the CPU has at run time, unless the environment variable `QUIVER_SIMD` forces another.
public enum SIMDLevel: String, Sendable, CaseIterable, Comparable {
    /// Portable C that runs on any CPU.
    case baseline
    /// arm64 Advanced SIMD.
    case neon
    /// x86-64 AVX2 with FMA, F16C and POPCNT.
    case avx2
    /// x86-64 AVX-512 (F, BW, DQ, VL).
    case avx512

    var cValue: quiver_simd_level {
        switch self {
        case .baseline: QUIVER_SIMD_BASELINE
        case .neon: QUIVER_SIMD_NEON
        case .avx2: QUIVER_SIMD_AVX2
        case .avx512: QUIVER_SIMD_AVX512
        }
    }

    private var rank: Int {
        switch self {
        case .baseline: 0
        case .neon: 1
        case .avx2: 2
        case .avx512: 3
        }
    }

    /// Orders levels from the most portable to the widest.
    public static func < (lhs: SIMDLevel, rhs: SIMDLevel) -> Bool { lhs.rank < rhs.rank }

    /// The best level this CPU supports.
    public static let detected: SIMDLevel = {
        switch quiver_simd_detect() {
        case QUIVER_SIMD_AVX512: .avx512
        case QUIVER_SIMD_AVX2: .avx2
        case QUIVER_SIMD_NEON: .neon
        default: .baseline
        }
    }()

    /// Whether this CPU can run kernels of this level.
    public var isSupported: Bool { quiver_kernels_for_level(cValue) != nil }

    /// The level in use: `QUIVER_SIMD` (`baseline`, `neon`, `avx2`, `avx512`) when set to a level this
    /// CPU supports, else ``detected``.
    ///
    /// An unknown or unsupported `QUIVER_SIMD` value falls back to ``detected`` and is reported once
    /// on standard error, so a mistyped override is never silently ignored.
    public static let active: SIMDLevel = {
        guard let raw = getenv("QUIVER_SIMD") else { return detected }
        let name = String(cString: raw).lowercased()
        if let level = SIMDLevel(rawValue: name), level.isSupported { return level }
        let message = "quiver: QUIVER_SIMD=\(name) is not a supported level here; using \(detected.rawValue)\n"
        var bytes = Array(message.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
        return detected
    }()
}
