import Testing
import QuiverCLI

@Suite struct NPYReaderTests {
    private func decodeFloats(_ bytes: [UInt8]) throws -> Matrix<Float> {
        try bytes.withUnsafeBytes { raw in try NPYReader.decodeFloats(raw, name: "x.npy") }
    }

    private func decodeIntegers(_ bytes: [UInt8]) throws -> Matrix<Int32> {
        try bytes.withUnsafeBytes { raw in try NPYReader.decodeIntegers(raw, name: "x.npy") }
    }

    @Test(arguments: [UInt8(1), 2, 3])
    func readsFloat32InEveryVersion(version: UInt8) throws {
        let rows = DatasetBytes.rows(5, dimension: 3)
        let matrix = try decodeFloats(DatasetBytes.npyFloats(rows, version: version))
        #expect(matrix.rows == 5 && matrix.columns == 3)
        #expect(matrix.elements == rows.flatMap { $0 })
    }

    @Test func headerIsAlignedLikeNumPyAndReportsTheDataOffset() throws {
        let bytes = DatasetBytes.npyFloats(DatasetBytes.rows(2, dimension: 4))
        let header = try bytes.withUnsafeBytes { raw in try NPYReader.decodeHeader(raw, name: "x.npy") }
        #expect(header.elementType == .float32 && header.rows == 2 && header.columns == 4)
        #expect(header.dataOffset % 16 == 0)
    }

    @Test func readsInt32AndInt64Ids() throws {
        let ids: [Int32] = [3, 1, 4, 1, 5, 9]
        let i4 = DatasetBytes.npy(
            header: "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }",
            data: ids.flatMap { DatasetBytes.littleEndian($0) })
        #expect(try decodeIntegers(i4) == Matrix(rows: 2, columns: 3, elements: ids))
        let i8 = DatasetBytes.npy(
            header: "{'descr': '<i8', 'fortran_order': False, 'shape': (3, 2), }",
            data: ids.flatMap { DatasetBytes.littleEndian(Int64($0)) })
        #expect(try decodeIntegers(i8) == Matrix(rows: 3, columns: 2, elements: ids))
    }

    @Test func acceptsDoubleQuotesAndKeysInAnyOrder() throws {
        let bytes = DatasetBytes.npy(
            header: "{\"shape\": (1, 2), \"fortran_order\": False, \"descr\": \"<f4\"}",
            data: DatasetBytes.float(1) + DatasetBytes.float(2))
        #expect(try decodeFloats(bytes).elements == [1, 2])
    }

    @Test func rejectsAnInt64ThatDoesNotFitInt32() {
        let bytes = DatasetBytes.npy(
            header: "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1), }", data: DatasetBytes.littleEndian(Int64(1) << 40))
        expectCLIError(.corruption) { try decodeIntegers(bytes) }
    }

    static let malformed: [(String, [UInt8], CLIError.Code)] = [
        ("empty", [], .corruption),
        ("bad magic", Array("\u{93}NUMPZ".utf8) + [1, 0, 0, 0], .corruption),
        ("magic only", [0x93] + Array("NUMPY".utf8), .corruption),
        ("version 4", [0x93] + Array("NUMPY".utf8) + [4, 0, 0, 0], .unsupported),
        ("header longer than file", [0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF, 0x00] + Array("{'descr'".utf8), .corruption),
        ("absurd v2 header length", [0x93] + Array("NUMPY".utf8) + [2, 0, 0xFF, 0xFF, 0xFF, 0xFF], .corruption),
        (
            "fortran order",
            DatasetBytes.npy(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", data: DatasetBytes.float(1)),
            .unsupported
        ),
        (
            "float64",
            DatasetBytes.npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }", data: Array(repeating: 0, count: 8)),
            .unsupported
        ),
        (
            "big-endian",
            DatasetBytes.npy(header: "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 1), }", data: DatasetBytes.float(1)),
            .unsupported
        ),
        (
            "one-dimensional",
            DatasetBytes.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: DatasetBytes.float(1)),
            .unsupported
        ),
        (
            "three-dimensional",
            DatasetBytes.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1), }", data: DatasetBytes.float(1)),
            .unsupported
        ),
        (
            "truncated data",
            DatasetBytes.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", data: DatasetBytes.float(1)),
            .corruption
        ),
        (
            "trailing data",
            DatasetBytes.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", data: DatasetBytes.float(1) + [0]),
            .corruption
        ),
        (
            "shape overflow",
            DatasetBytes.npy(
                header: "{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 9223372036854775807), }", data: []),
            .corruption
        ),
        (
            "shape beyond Int",
            DatasetBytes.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 1), }", data: []),
            .corruption
        ),
        ("empty shape", DatasetBytes.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", data: []), .corruption),
        ("no descr", DatasetBytes.npy(header: "{'fortran_order': False, 'shape': (1, 1), }", data: DatasetBytes.float(1)), .corruption),
        ("not a dict", DatasetBytes.npy(header: "['descr', '<f4']", data: DatasetBytes.float(1)), .corruption),
        ("unterminated string", DatasetBytes.npy(header: "{'descr: '<f4', ", data: []), .corruption),
        ("structured dtype", DatasetBytes.npy(header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1, 1), }", data: []), .corruption),
        (
            "NaN",
            DatasetBytes.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", data: DatasetBytes.float(1) + DatasetBytes.float(.nan)),
            .corruption
        ),
        (
            "infinity",
            DatasetBytes.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", data: DatasetBytes.float(-.infinity)),
            .corruption
        ),
    ]

    @Test(arguments: malformed)
    func rejectsMalformedInputWithoutTrapping(_ name: String, _ bytes: [UInt8], _ code: CLIError.Code) {
        expectCLIError(code, "\(name)") { try decodeFloats(bytes) }
    }

    @Test func rejectsFloatsAsIdsAndIdsAsVectors() {
        let floats = DatasetBytes.npyFloats([[1]])
        expectCLIError(.unsupported) { try decodeIntegers(floats) }
        let ids = DatasetBytes.npy(header: "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 1), }", data: DatasetBytes.littleEndian(Int32(1)))
        expectCLIError(.unsupported) { try decodeFloats(ids) }
    }

    @Test func everyPrefixOfAValidFileFailsCleanly() throws {
        let bytes = DatasetBytes.npyFloats(DatasetBytes.rows(2, dimension: 2))
        for length in 0..<bytes.count {
            #expect(throws: CLIError.self) { try decodeFloats(Array(bytes.prefix(length))) }
        }
    }

    @Test func errorMessagesNameTheFileOnOneLine() {
        let error = expectCLIError(.unsupported) {
            try decodeFloats(DatasetBytes.npy(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", data: DatasetBytes.float(1)))
        }
        #expect(error?.message.hasPrefix("x.npy: ") == true)
        #expect(error?.message.contains("fortran_order") == true)
    }
}
