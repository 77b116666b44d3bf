public import CQuiverSIMD

/// The distance kernels of one SIMD level: raw-pointer functions for the index's hot loops.
///
/// The table is immutable C data with static lifetime, so the handle is freely shareable.
public struct DistanceKernels: @unchecked Sendable {
    /// The C function table; static storage, never freed.
    public let table: UnsafePointer<quiver_kernel_table>

    /// The level these kernels were compiled for.
    public let level: SIMDLevel

    /// The kernels of ``SIMDLevel/active``.
    public static let active = DistanceKernels(level: SIMDLevel.active)!

    /// The kernels of `level`, or `nil` when this CPU cannot run them.
    public init?(level: SIMDLevel) {
        guard let table = quiver_kernels_for_level(level.cValue) else { return nil }
        self.table = table
        self.level = level
    }

    /// Squared Euclidean distance of two f32 vectors of `count` elements.
    @inlinable
    public func squaredL2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        table.pointee.l2sq_f32(a, b, count)
    }

    /// Dot product of two f32 vectors of `count` elements.
    @inlinable
    public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        table.pointee.dot_f32(a, b, count)
    }

    /// Cosine distance `1 - cos(a, b)` of two f32 vectors; 1 when either is zero.
    @inlinable
    public func cosineDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        table.pointee.cosine_f32(a, b, count)
    }

    /// Squared Euclidean distance of two binary16 vectors given as raw bits.
    @inlinable
    public func squaredL2(half a: UnsafePointer<UInt16>, _ b: UnsafePointer<UInt16>, count: Int) -> Float {
        table.pointee.l2sq_f16(a, b, count)
    }

    /// Dot product of two binary16 vectors given as raw bits.
    @inlinable
    public func dot(half a: UnsafePointer<UInt16>, _ b: UnsafePointer<UInt16>, count: Int) -> Float {
        table.pointee.dot_f16(a, b, count)
    }

    /// Exact dot product of two int8 vectors with values in -127...127.
    @inlinable
    public func dot(int8 a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, count: Int) -> Int32 {
        table.pointee.dot_i8(a, b, count)
    }

    /// Exact squared Euclidean distance of two int8 vectors with values in -127...127.
    @inlinable
    public func squaredL2(int8 a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, count: Int) -> Int32 {
        table.pointee.l2sq_i8(a, b, count)
    }

    /// Number of differing bits between two bit vectors of `words` 64-bit words.
    @inlinable
    public func hamming(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>, words: Int) -> UInt32 {
        table.pointee.hamming(a, b, words)
    }
}
