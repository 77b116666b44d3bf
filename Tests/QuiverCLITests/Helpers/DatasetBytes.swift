/// Builders for the byte layouts of the dataset formats, to write fixtures in tests.
enum DatasetBytes {
    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    static func float(_ value: Float) -> [UInt8] { littleEndian(value.bitPattern) }

    /// `.fvecs`: each row as int32 dimension + float32 values.
    static func fvecs(_ rows: [[Float]]) -> [UInt8] {
        rows.flatMap { row in littleEndian(Int32(row.count)) + row.flatMap(float) }
    }

    /// `.ivecs`: each row as int32 dimension + int32 values.
    static func ivecs(_ rows: [[Int32]]) -> [UInt8] {
        rows.flatMap { row in littleEndian(Int32(row.count)) + row.flatMap { littleEndian($0) } }
    }

    /// `.fbin`: uint32 rows, uint32 dimension, float32 values.
    static func fbin(_ rows: [[Float]]) -> [UInt8] {
        littleEndian(UInt32(rows.count)) + littleEndian(UInt32(rows.first?.count ?? 0)) + rows.flatMap { $0.flatMap(float) }
    }

    /// `.ibin`: uint32 rows, uint32 dimension, int32 values.
    static func ibin(_ rows: [[Int32]]) -> [UInt8] {
        littleEndian(UInt32(rows.count)) + littleEndian(UInt32(rows.first?.count ?? 0))
            + rows.flatMap { $0.flatMap { littleEndian($0) } }
    }

    /// An `.npy` file of `version` with a header dict `header` (padded as NumPy pads it) and `data`.
    static func npy(header: String, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
        let prefixLength = version == 1 ? 10 : 12
        let alignment = version == 1 ? 16 : 64
        var text = Array(header.utf8)
        let total = prefixLength + text.count + 1
        let padding = (alignment - total % alignment) % alignment
        text += Array(repeating: UInt8(ascii: " "), count: padding) + [UInt8(ascii: "\n")]
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        bytes += version == 1 ? littleEndian(UInt16(text.count)) : littleEndian(UInt32(text.count))
        return bytes + text + data
    }

    /// A float32 `.npy` of `rows`.
    static func npyFloats(_ rows: [[Float]], version: UInt8 = 1) -> [UInt8] {
        npy(
            header: "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows.count), \(rows.first?.count ?? 0)), }",
            data: rows.flatMap { $0.flatMap(float) }, version: version)
    }

    /// Deterministic rows for fixtures: `count` rows of `dimension` values.
    static func rows(_ count: Int, dimension: Int, seed: Int = 1) -> [[Float]] {
        (0..<count).map { row in
            (0..<dimension).map { column in Float((row * 31 + column * 17 + seed * 7) % 23) / 7 - 1.5 }
        }
    }
}
