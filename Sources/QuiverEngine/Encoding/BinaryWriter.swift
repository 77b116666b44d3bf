/// Appends little-endian integers, floats, strings and byte strings to a byte array: the encoding
/// of write batches, collection definitions and segment metadata.
struct BinaryWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func write(_ value: Float) { write(value.bitPattern) }

    mutating func write(_ value: Double) { write(value.bitPattern) }

    mutating func write(_ value: Bool) { write(UInt8(value ? 1 : 0)) }

    /// A `u32` length and the UTF-8 bytes.
    mutating func write(_ value: String) { writeBytes(Array(value.utf8)) }

    /// A `u32` length and the bytes.
    mutating func writeBytes(_ value: [UInt8]) {
        write(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `u32` count and the floats.
    mutating func write(_ values: [Float]) {
        write(UInt32(values.count))
        for v in values { write(v.bitPattern) }
    }
}
