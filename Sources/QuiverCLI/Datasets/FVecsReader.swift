/// Reads the `.fvecs`/`.ivecs` format of the TEXMEX corpora (SIFT, GIST): each record is a
/// little-endian `int32` dimension followed by that many `float32` (`.fvecs`) or `int32` (`.ivecs`)
/// values. Every record must have the same dimension.
package enum FVecsReader {
    /// Decodes `.fvecs` bytes into a matrix of finite floats.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - name: how the file is named in errors.
    /// - Throws: `CLIError.corruption` for an empty or truncated file, a bad or changing record
    ///   dimension, or a non-finite value.
    /// - Complexity: O(bytes.count).
    package static func decodeFloats(_ bytes: UnsafeRawBufferPointer, name: String) throws(CLIError) -> Matrix<Float> {
        let matrix = try decode(bytes, name: name) { Float(bitPattern: $0) }
        try matrix.requireFinite(name)
        return matrix
    }

    /// Decodes `.ivecs` bytes (usually ground-truth neighbour ids).
    ///
    /// - Throws: `CLIError.corruption` for an empty or truncated file or a bad record dimension.
    /// - Complexity: O(bytes.count).
    package static func decodeIntegers(_ bytes: UnsafeRawBufferPointer, name: String) throws(CLIError) -> Matrix<Int32> {
        try decode(bytes, name: name) { Int32(bitPattern: $0) }
    }

    /// Reads and decodes the `.fvecs` file at `path`.
    package static func readFloats(path: String) throws(CLIError) -> Matrix<Float> {
        let file = try MappedFile(path: path)
        return try file.withBytes { (bytes) throws(CLIError) in try decodeFloats(bytes, name: file.fileName) }
    }

    /// Reads and decodes the `.ivecs` file at `path`.
    package static func readIntegers(path: String) throws(CLIError) -> Matrix<Int32> {
        let file = try MappedFile(path: path)
        return try file.withBytes { (bytes) throws(CLIError) in try decodeIntegers(bytes, name: file.fileName) }
    }

    private static func decode<T>(
        _ bytes: UnsafeRawBufferPointer, name: String, _ convert: (UInt32) -> T
    ) throws(CLIError) -> Matrix<T> {
        let cursor = ByteCursor(bytes)
        guard let first = cursor.getInteger(at: 0, as: Int32.self) else {
            throw .corruption("\(name): file is empty or shorter than one record header")
        }
        guard first > 0 else { throw .corruption("\(name): record 0 has dimension \(first)") }
        let dimension = Int(first)
        // Sizes are checked before anything is allocated, so an absurd dimension cannot exhaust memory.
        let (payload, overflow) = dimension.multipliedReportingOverflow(by: 4)
        guard !overflow, payload <= bytes.count - 4 else {
            throw .corruption("\(name): truncated: record 0 declares \(dimension) values but the file has \(bytes.count) bytes")
        }
        let stride = 4 + payload
        guard bytes.count % stride == 0 else {
            throw .corruption(
                "\(name): truncated: \(bytes.count) bytes is not a whole number of \(stride)-byte records "
                    + "(dimension \(dimension))")
        }
        let rows = bytes.count / stride
        var elements: [T] = []
        elements.reserveCapacity(rows * dimension)
        for row in 0..<rows {
            let header = cursor.getInteger(at: row * stride, as: Int32.self)
            guard header == first else {
                throw .corruption("\(name): record \(row) has dimension \(header ?? -1), expected \(dimension)")
            }
            bytes.loadLittleEndianWords(fromByteOffset: row * stride + 4, count: dimension, into: &elements, convert)
        }
        return Matrix(rows: rows, columns: dimension, elements: elements)
    }
}
