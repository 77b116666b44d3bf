internal import CQuiverSIMD

/// Conversion between f32 and IEEE binary16 bit patterns (round to nearest even).
public enum HalfPrecision {
    /// Converts `source` to binary16 bits in `destination`.
    ///
    /// - Precondition: `destination.count >= source.count`.
    public static func encode(_ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutablePointer<UInt16>) {
        guard let base = source.baseAddress else { return }
        quiver_f32_to_f16(base, destination, source.count)
    }

    /// Converts `count` binary16 values at `source` to f32 in `destination`.
    public static func decode(_ source: UnsafePointer<UInt16>, count: Int, into destination: UnsafeMutablePointer<Float>) {
        quiver_f16_to_f32(source, destination, count)
    }
}
