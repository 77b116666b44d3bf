internal import CQuiverSIMD

/// CRC-32C (Castagnoli), the checksum of every stored record, and LevelDB's masking of stored values.
///
/// The C implementation uses the SSE4.2 `crc32` instruction when the CPU has it and a
/// slicing-by-8 table otherwise; both give identical results.
package enum CRC32C {
    /// Which implementation computes the checksum; tests compare them.
    package enum Implementation: Sendable, CaseIterable {
        /// The fastest this CPU offers.
        case automatic
        /// The table-driven code, on any CPU.
        case portable
        /// The SSE4.2 instruction; falls back to `portable` where the CPU lacks it.
        case hardware
    }

    /// Whether ``Implementation/hardware`` really uses a CPU instruction here.
    package static var hasHardwareSupport: Bool { quiver_crc32c_hardware_available() != 0 }

    /// The CRC-32C of `bytes` appended to data whose CRC-32C was `crc` (0 to start a new checksum).
    ///
    /// - Complexity: O(`bytes.count`).
    package static func checksum(
        _ bytes: UnsafeRawBufferPointer, extending crc: UInt32 = 0, implementation: Implementation = .automatic
    ) -> UInt32 {
        switch implementation {
        case .automatic: quiver_crc32c_extend(crc, bytes.baseAddress, bytes.count)
        case .portable: quiver_crc32c_extend_portable(crc, bytes.baseAddress, bytes.count)
        case .hardware:
            hasHardwareSupport
                ? quiver_crc32c_extend_hardware(crc, bytes.baseAddress, bytes.count)
                : quiver_crc32c_extend_portable(crc, bytes.baseAddress, bytes.count)
        }
    }

    /// The CRC-32C of `bytes` appended to data whose CRC-32C was `crc`.
    package static func checksum(_ bytes: some Collection<UInt8>, extending crc: UInt32 = 0) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0), extending: crc) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { checksum($0, extending: crc) }
    }

    private static let maskDelta: UInt32 = 0xa282_ead8

    /// The stored form of a checksum: rotated right by 15 bits plus a constant.
    ///
    /// Computing the CRC of a string that contains embedded CRCs is problematic (the CRC of data
    /// followed by its own CRC is a constant), so stored checksums are masked. Same as LevelDB.
    package static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ maskDelta
    }

    /// The checksum a masked value was made from; inverse of ``mask(_:)``.
    package static func unmask(_ masked: UInt32) -> UInt32 {
        let rotated = masked &- maskDelta
        return (rotated >> 17) | (rotated << 15)
    }
}
