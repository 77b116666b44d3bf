/// Reads NumPy `.npy` files (format versions 1, 2 and 3) holding a 2-D C-order array of
/// little-endian `float32` (`<f4`), `int32` (`<i4`) or `int64` (`<i8`).
///
/// Layout: the magic `\x93NUMPY`, a major and minor version byte, a little-endian header length
/// (`uint16` in version 1, `uint32` after), then a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 128), }` padded with spaces and a
/// newline, then the data.
package enum NPYReader {
    /// The element types the reader accepts.
    package enum ElementType: String, Sendable, Equatable {
        case float32 = "<f4"
        case int32 = "<i4"
        case int64 = "<i8"

        /// Bytes per element.
        package var size: Int { self == .int64 ? 8 : 4 }
    }

    /// What a header declares.
    package struct Header: Sendable, Equatable {
        /// The element type.
        package var elementType: ElementType
        /// Number of rows.
        package var rows: Int
        /// Values per row.
        package var columns: Int
        /// Offset of the first data byte.
        package var dataOffset: Int
    }

    /// The largest header this reader accepts. NumPy itself caps headers at 10,000 bytes unless
    /// asked otherwise; a real 2-D header is under 128.
    static let maximumHeaderBytes = 1 << 16

    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Decodes and checks the header against the file size.
    ///
    /// - Throws: `CLIError.corruption` for a wrong magic, a truncated file, a malformed or absurdly
    ///   long header, or a data section whose size does not match the shape;
    ///   `CLIError.unsupported` for another version, dtype, Fortran order or a shape that is not 2-D.
    package static func decodeHeader(_ bytes: UnsafeRawBufferPointer, name: String) throws(CLIError) -> Header {
        var cursor = ByteCursor(bytes)
        guard let prefix = cursor.readBytes(count: 6), prefix.elementsEqual(magic) else {
            throw .corruption("\(name): not an .npy file (bad magic)")
        }
        guard let major = cursor.readInteger(as: UInt8.self), cursor.readInteger(as: UInt8.self) != nil else {
            throw .corruption("\(name): truncated .npy header")
        }
        let headerLength: Int
        switch major {
        case 1:
            guard let length = cursor.readInteger(as: UInt16.self) else { throw .corruption("\(name): truncated .npy header") }
            headerLength = Int(length)
        case 2, 3:
            guard let length = cursor.readInteger(as: UInt32.self) else { throw .corruption("\(name): truncated .npy header") }
            headerLength = Int(length)
        default:
            throw .unsupported("\(name): .npy format version \(major) is not supported (expected 1, 2 or 3)")
        }
        guard headerLength <= maximumHeaderBytes else {
            throw .corruption("\(name): .npy header length \(headerLength) exceeds \(maximumHeaderBytes) bytes")
        }
        guard let text = cursor.readBytes(count: headerLength) else {
            throw .corruption("\(name): truncated: .npy header declares \(headerLength) bytes but \(cursor.readableBytes) follow")
        }
        var parser = HeaderParser(bytes: Array(text), name: name)
        let fields = try parser.parseDictionary()

        guard case .string(let descr)? = fields["descr"] else { throw .corruption("\(name): .npy header has no string 'descr'") }
        guard case .bool(let fortranOrder)? = fields["fortran_order"] else {
            throw .corruption("\(name): .npy header has no boolean 'fortran_order'")
        }
        guard case .tuple(let shape)? = fields["shape"] else { throw .corruption("\(name): .npy header has no tuple 'shape'") }
        guard let elementType = ElementType(rawValue: descr) else {
            throw .unsupported("\(name): dtype '\(descr)' is not supported (expected '<f4', '<i4' or '<i8')")
        }
        guard !fortranOrder else {
            throw .unsupported("\(name): fortran_order arrays are not supported; save with np.ascontiguousarray")
        }
        guard shape.count == 2 else {
            throw .unsupported("\(name): shape \(shapeText(shape)) is not 2-D (rows, dimension)")
        }
        let (rows, columns) = (shape[0], shape[1])
        guard rows > 0, columns > 0 else { throw .corruption("\(name): shape \(shapeText(shape)) is empty") }
        let (elements, overflowA) = rows.multipliedReportingOverflow(by: columns)
        let (expected, overflowB) = elements.multipliedReportingOverflow(by: elementType.size)
        guard !overflowA, !overflowB, expected == cursor.readableBytes else {
            let what = !overflowA && !overflowB && expected < cursor.readableBytes ? "has trailing bytes" : "is truncated"
            let needed = overflowA || overflowB ? "more than Int.max" : String(expected)
            throw .corruption(
                "\(name): \(what): shape \(shapeText(shape)) of \(descr) needs \(needed) data bytes "
                    + "but \(cursor.readableBytes) follow")
        }
        return Header(elementType: elementType, rows: rows, columns: columns, dataOffset: cursor.readerIndex)
    }

    /// Decodes an `.npy` array of `<f4` into a matrix of finite floats.
    ///
    /// - Throws: see ``decodeHeader(_:name:)``; `CLIError.unsupported` for another dtype;
    ///   `CLIError.corruption` for a non-finite value.
    /// - Complexity: O(bytes.count).
    package static func decodeFloats(_ bytes: UnsafeRawBufferPointer, name: String) throws(CLIError) -> Matrix<Float> {
        let header = try decodeHeader(bytes, name: name)
        guard header.elementType == .float32 else {
            throw .unsupported("\(name): dtype '\(header.elementType.rawValue)' holds integers; vectors must be '<f4'")
        }
        var elements: [Float] = []
        elements.reserveCapacity(header.rows * header.columns)
        bytes.loadLittleEndianWords(fromByteOffset: header.dataOffset, count: header.rows * header.columns, into: &elements) {
            Float(bitPattern: $0)
        }
        let matrix = Matrix(rows: header.rows, columns: header.columns, elements: elements)
        try matrix.requireFinite(name)
        return matrix
    }

    /// Decodes an `.npy` array of `<i4` or `<i8` (usually ground-truth neighbour ids) as `Int32`.
    ///
    /// - Throws: see ``decodeHeader(_:name:)``; `CLIError.unsupported` for `<f4`;
    ///   `CLIError.corruption` for an `<i8` value outside the `Int32` range.
    /// - Complexity: O(bytes.count).
    package static func decodeIntegers(_ bytes: UnsafeRawBufferPointer, name: String) throws(CLIError) -> Matrix<Int32> {
        let header = try decodeHeader(bytes, name: name)
        let count = header.rows * header.columns
        var elements: [Int32] = []
        elements.reserveCapacity(count)
        switch header.elementType {
        case .float32:
            throw .unsupported("\(name): dtype '<f4' holds floats; neighbour ids must be '<i4' or '<i8'")
        case .int32:
            bytes.loadLittleEndianWords(fromByteOffset: header.dataOffset, count: count, into: &elements) {
                Int32(bitPattern: $0)
            }
        case .int64:
            let cursor = ByteCursor(bytes)
            for i in 0..<count {
                let value = cursor.getInteger(at: header.dataOffset + i * 8, as: Int64.self) ?? 0
                guard let narrow = Int32(exactly: value) else {
                    throw .corruption("\(name): value at row \(i / header.columns) does not fit in 32 bits")
                }
                elements.append(narrow)
            }
        }
        return Matrix(rows: header.rows, columns: header.columns, elements: elements)
    }

    /// Reads and decodes the `<f4` `.npy` file at `path`.
    package static func readFloats(path: String) throws(CLIError) -> Matrix<Float> {
        let file = try MappedFile(path: path)
        return try file.withBytes { (bytes) throws(CLIError) in try decodeFloats(bytes, name: file.fileName) }
    }

    /// Reads and decodes the integer `.npy` file at `path`.
    package static func readIntegers(path: String) throws(CLIError) -> Matrix<Int32> {
        let file = try MappedFile(path: path)
        return try file.withBytes { (bytes) throws(CLIError) in try decodeIntegers(bytes, name: file.fileName) }
    }

    private static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}

/// A value of the Python literal subset `.npy` headers use.
private enum HeaderValue {
    case string(String)
    case bool(Bool)
    case tuple([Int])
}

/// A recursive-descent parser for the header dict: string keys; string, `True`/`False` and
/// integer-tuple values; optional trailing commas.
private struct HeaderParser {
    let bytes: [UInt8]
    let name: String
    var index = 0

    init(bytes: [UInt8], name: String) {
        self.bytes = bytes
        self.name = name
    }

    mutating func parseDictionary() throws(CLIError) -> [String: HeaderValue] {
        try expect(UInt8(ascii: "{"))
        var result: [String: HeaderValue] = [:]
        while true {
            skipSpace()
            if peek() == UInt8(ascii: "}") {
                index += 1
                break
            }
            let key = try parseString()
            try expect(UInt8(ascii: ":"))
            result[key] = try parseValue()
            skipSpace()
            if peek() == UInt8(ascii: ",") {
                index += 1
            } else if peek() != UInt8(ascii: "}") {
                throw malformed("expected ',' or '}'")
            }
        }
        skipSpace()
        guard index == bytes.count else { throw malformed("unexpected text after the dict") }
        return result
    }

    private mutating func parseValue() throws(CLIError) -> HeaderValue {
        skipSpace()
        switch peek() {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "("):
            index += 1
            var values: [Int] = []
            while true {
                skipSpace()
                if peek() == UInt8(ascii: ")") {
                    index += 1
                    return .tuple(values)
                }
                values.append(try parseInteger())
                skipSpace()
                if peek() == UInt8(ascii: ",") {
                    index += 1
                } else if peek() != UInt8(ascii: ")") {
                    throw malformed("expected ',' or ')' in shape")
                }
            }
        default:
            if consume("True") { return .bool(true) }
            if consume("False") { return .bool(false) }
            throw malformed("unsupported value")
        }
    }

    private mutating func parseString() throws(CLIError) -> String {
        skipSpace()
        guard let quote = peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
            throw malformed("expected a quoted string")
        }
        index += 1
        let start = index
        while let byte = peek(), byte != quote {
            guard byte != UInt8(ascii: "\\") else { throw malformed("escapes are not supported") }
            index += 1
        }
        guard peek() == quote else { throw malformed("unterminated string") }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        index += 1
        return text
    }

    private mutating func parseInteger() throws(CLIError) -> Int {
        skipSpace()
        var value = 0
        var digits = 0
        while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { throw malformed("shape value too large") }
            value = sum
            digits += 1
            index += 1
        }
        // Python 2 era writers append `L` to longs.
        if peek() == UInt8(ascii: "L") { index += 1 }
        guard digits > 0 else { throw malformed("expected a non-negative integer in shape") }
        return value
    }

    private mutating func expect(_ byte: UInt8) throws(CLIError) {
        skipSpace()
        guard peek() == byte else { throw malformed("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    private mutating func consume(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard bytes.count - index >= utf8.count, bytes[index..<index + utf8.count].elementsEqual(utf8) else { return false }
        index += utf8.count
        return true
    }

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private func malformed(_ what: String) -> CLIError {
        .corruption("\(name): malformed .npy header (\(what) at byte \(index))")
    }
}
