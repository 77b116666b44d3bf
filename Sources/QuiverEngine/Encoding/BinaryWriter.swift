/// Appends little-endian integers, floats, strings and byte strings to a byte array: the encoding
/// of write batches, collection definitions and segment metadata.
package struct BinaryWriter {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    package mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func write(_ value: Float) { write(value.bitPattern) }

    package mutating func write(_ value: Double) { write(value.bitPattern) }

    package mutating func write(_ value: Bool) { write(UInt8(value ? 1 : 0)) }

    /// A `u32` length and the UTF-8 bytes.
    package mutating func write(_ value: String) {
        var text = value
        text.withUTF8 { utf8 in
            write(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A `u32` length and the bytes.
    package mutating func writeBytes(_ value: [UInt8]) {
        write(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `u32` count and the floats.
    package mutating func write(_ values: [Float]) {
        write(UInt32(values.count))
        for v in values { write(v.bitPattern) }
    }
}
