internal import QuiverIndex
internal import CQuiverHDF5

/// Reads ann-benchmarks HDF5 files: datasets `train` [n, dim] and `test` [q, dim] (float),
/// `neighbors` [q, ≥k] (integer ids into `train`) and the root attribute `distance`.
///
/// Chunked and gzip-compressed datasets are read through libhdf5's filters. The serial build of
/// libhdf5 is not thread-safe, so every read holds one process-wide lock.
package enum HDF5DatasetReader {
    private static let libraryLock = Locked<Void>(())

    /// The parts of an ann-benchmarks file.
    package struct Contents: Sendable {
        /// The vectors to index.
        package var train: Matrix<Float>
        /// The queries.
        package var test: Matrix<Float>
        /// Exact neighbours of each query, nearest first.
        package var neighbors: Matrix<Int32>
        /// The `distance` attribute (`angular`, `euclidean`, ...), when present.
        package var distance: String?
    }

    /// Reads `train`, `test`, `neighbors` and `distance` from `path` and checks their shapes.
    ///
    /// - Parameter byteLimit: the most bytes the three arrays may take once read, so that a
    ///   corrupt or compressed header cannot claim more memory than the machine has.
    /// - Throws: `CLIError.notFound` for a missing file; `CLIError.corruption` for a file that is
    ///   not HDF5, is truncated, lacks a dataset, or has wrong shapes, element types or non-finite
    ///   vectors; `CLIError.resourceExhausted` past `byteLimit`.
    package static func read(path: String, byteLimit: Int = .max) throws(CLIError) -> Contents {
        try libraryLock.withLock { (_) throws(CLIError) -> Contents in try readLocked(path: path, byteLimit: byteLimit) }
    }

    private static func readLocked(path: String, byteLimit: Int) throws(CLIError) -> Contents {
        let name = MappedFile.fileName(of: path)
        var handle: Int64 = 0
        let status = quiver_h5_open(path, &handle)
        switch status {
        case QUIVER_H5_OK: break
        case QUIVER_H5_ERROR_OPEN:
            // Distinguish a missing file from an unreadable one.
            _ = try MappedFile(path: path)
            throw .io("\(path): cannot open as HDF5")
        case QUIVER_H5_ERROR_NOT_HDF5: throw .corruption("\(name): not an HDF5 file")
        default: throw .corruption("\(name): cannot open: \(describe(status))")
        }
        defer { quiver_h5_close(handle) }

        let trainShape = try shape(handle, "train", file: name, integer: false)
        let testShape = try shape(handle, "test", file: name, integer: false)
        let neighborShape = try shape(handle, "neighbors", file: name, integer: true)
        guard testShape.columns == trainShape.columns else {
            throw .corruption("\(name): test has dimension \(testShape.columns) but train has \(trainShape.columns)")
        }
        guard neighborShape.rows == testShape.rows else {
            throw .corruption("\(name): neighbors has \(neighborShape.rows) rows but test has \(testShape.rows)")
        }
        var total = 0
        for part in [trainShape, testShape, neighborShape] {
            let (bytes, overflowA) = part.rows.multipliedReportingOverflow(by: part.columns * 4)
            let (sum, overflowB) = total.addingReportingOverflow(bytes)
            guard !overflowA, !overflowB, sum <= byteLimit else {
                throw CLIError(
                    .resourceExhausted,
                    "\(name): train, test and neighbors need more than \(byteLimit >> 20) MiB, the memory available")
            }
            total = sum
        }

        let train = try readFloats(handle, "train", shape: trainShape, file: name)
        let test = try readFloats(handle, "test", shape: testShape, file: name)
        let neighbors = try readIntegers(handle, "neighbors", shape: neighborShape, file: name)
        let distance = try stringAttribute(handle, "distance", file: name)
        return Contents(train: train, test: test, neighbors: neighbors, distance: distance)
    }

    private static func shape(
        _ handle: Int64, _ dataset: String, file: String, integer: Bool
    ) throws(CLIError) -> (rows: Int, columns: Int) {
        var info = quiver_h5_dataset_info()
        let status = quiver_h5_dataset_info_get(handle, dataset, &info)
        guard status == QUIVER_H5_OK else {
            if status == QUIVER_H5_ERROR_NOT_FOUND { throw .corruption("\(file): no dataset '\(dataset)'") }
            throw .corruption("\(file): dataset '\(dataset)': \(describe(status))")
        }
        guard info.rank == 2 else { throw .corruption("\(file): dataset '\(dataset)' has rank \(info.rank), expected 2") }
        guard info.rows > 0, info.columns > 0, info.rows <= UInt64(Int32.max), info.columns <= 65536 else {
            throw .corruption("\(file): dataset '\(dataset)' has shape (\(info.rows), \(info.columns))")
        }
        switch info.element_class {
        case QUIVER_H5_CLASS_FLOAT where !integer, QUIVER_H5_CLASS_INTEGER:
            break
        default:
            let expected = integer ? "integer ids" : "numbers"
            throw .corruption("\(file): dataset '\(dataset)' does not hold \(expected)")
        }
        return (Int(info.rows), Int(info.columns))
    }

    private static func readFloats(
        _ handle: Int64, _ dataset: String, shape: (rows: Int, columns: Int), file: String
    ) throws(CLIError) -> Matrix<Float> {
        let count = shape.rows * shape.columns
        var status = QUIVER_H5_OK
        let elements = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = quiver_h5_read_float(handle, dataset, buffer.baseAddress, UInt64(count))
            if status == QUIVER_H5_OK {
                initialized = count
            } else {
                initialized = 0
            }
        }
        guard status == QUIVER_H5_OK else { throw .corruption("\(file): dataset '\(dataset)': \(describe(status))") }
        let matrix = Matrix(rows: shape.rows, columns: shape.columns, elements: elements)
        try matrix.requireFinite("\(file): \(dataset)")
        return matrix
    }

    private static func readIntegers(
        _ handle: Int64, _ dataset: String, shape: (rows: Int, columns: Int), file: String
    ) throws(CLIError) -> Matrix<Int32> {
        let count = shape.rows * shape.columns
        var status = QUIVER_H5_OK
        let elements = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = quiver_h5_read_int32(handle, dataset, buffer.baseAddress, UInt64(count))
            if status == QUIVER_H5_OK {
                initialized = count
            } else {
                initialized = 0
            }
        }
        guard status == QUIVER_H5_OK else { throw .corruption("\(file): dataset '\(dataset)': \(describe(status))") }
        return Matrix(rows: shape.rows, columns: shape.columns, elements: elements)
    }

    private static func stringAttribute(_ handle: Int64, _ attribute: String, file: String) throws(CLIError) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let status = buffer.withUnsafeMutableBufferPointer {
            quiver_h5_read_string_attribute(handle, attribute, $0.baseAddress, $0.count)
        }
        switch status {
        case QUIVER_H5_OK:
            let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            return String(decoding: bytes, as: UTF8.self)
        case QUIVER_H5_ERROR_NOT_FOUND: return nil
        default: throw .corruption("\(file): attribute '\(attribute)': \(describe(status))")
        }
    }

    private static func describe(_ status: quiver_h5_status) -> String {
        String(cString: quiver_h5_status_description(status))
    }
}
