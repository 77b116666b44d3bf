/// Reads the `.fbin`/`.ibin` format of the big-ann-benchmarks corpora: a little-endian `uint32`
/// row count and `uint32` dimension, then `rows × dimension` `float32` (`.fbin`) or `int32`
/// (`.ibin`) values.
package enum FBinReader {
    /// Size of the header: row count and dimension.
    static let headerBytes = 8

    /// The shape a header declares.
    package struct Header: Sendable, Equatable {
        /// Number of rows.
        package var rows: Int
        /// Values per row.
        package var dimension: Int
    }

    /// Decodes and checks the header against the file size.
    ///
    /// - Throws: `CLIError.corruption` for a short file, a zero dimension or row count, or a data
    ///   section whose size does not match the header exactly.
    package static func decodeHeader(_ bytes: UnsafeRawBufferPointer, name: String) throws(CLIError) -> Header {
        var cursor = ByteCursor(bytes)
        guard let rows = cursor.readInteger(as: UInt32.self), let dimension = cursor.readInteger(as: UInt32.self) else {
            throw .corruption("\(name): file is shorter than the 8-byte header")
        }
        guard rows > 0, dimension > 0 else {
            throw .corruption("\(name): header declares \(rows) rows of dimension \(dimension)")
        }
        let (elements, overflowA) = Int(rows).multipliedReportingOverflow(by: Int(dimension))
        let (expected, overflowB) = elements.multipliedReportingOverflow(by: 4)
        guard !overflowA, !overflowB, expected == cursor.readableBytes else {
            let what = !overflowA && !overflowB && expected < cursor.readableBytes ? "has trailing bytes" : "is truncated"
            throw .corruption(
                "\(name): \(what): header declares \(rows) × \(dimension) values but \(cursor.readableBytes) data bytes follow")
        }
        return Header(rows: Int(rows), dimension: Int(dimension))
    }

    /// Decodes `.fbin` bytes into a matrix of finite floats.
    ///
    /// - Throws: see ``decodeHeader(_:name:)``; `CLIError.corruption` for a non-finite value.
    /// - Complexity: O(bytes.count).
    package static func decodeFloats(_ bytes: UnsafeRawBufferPointer, name: String) throws(CLIError) -> Matrix<Float> {
        let matrix = try decode(bytes, name: name) { Float(bitPattern: $0) }
        try matrix.requireFinite(name)
        return matrix
    }

    /// Decodes `.ibin` bytes (usually ground-truth neighbour ids).
    ///
    /// - Throws: see ``decodeHeader(_:name:)``.
    /// - Complexity: O(bytes.count).
    package static func decodeIntegers(_ bytes: UnsafeRawBufferPointer, name: String) throws(CLIError) -> Matrix<Int32> {
        try decode(bytes, name: name) { Int32(bitPattern: $0) }
    }

    /// Reads and decodes the `.fbin` file at `path`.
    package static func readFloats(path: String) throws(CLIError) -> Matrix<Float> {
        let file = try MappedFile(path: path)
        return try file.withBytes { (bytes) throws(CLIError) in try decodeFloats(bytes, name: file.fileName) }
    }

    /// Reads and decodes the `.ibin` file at `path`.
    package static func readIntegers(path: String) throws(CLIError) -> Matrix<Int32> {
        let file = try MappedFile(path: path)
        return try file.withBytes { (bytes) throws(CLIError) in try decodeIntegers(bytes, name: file.fileName) }
    }

    private static func decode<T>(
        _ bytes: UnsafeRawBufferPointer, name: String, _ convert: (UInt32) -> T
    ) throws(CLIError) -> Matrix<T> {
        let header = try decodeHeader(bytes, name: name)
        var elements: [T] = []
        elements.reserveCapacity(header.rows * header.dimension)
        bytes.loadLittleEndianWords(fromByteOffset: headerBytes, count: header.rows * header.dimension, into: &elements, convert)
        return Matrix(rows: header.rows, columns: header.dimension, elements: elements)
    }
}
