import Testing
import QuiverCLI

@Suite struct FVecsReaderTests {
    private func decodeFloats(_ bytes: [UInt8]) throws -> Matrix<Float> {
        try bytes.withUnsafeBytes { raw in try FVecsReader.decodeFloats(raw, name: "x.fvecs") }
    }

    @Test(arguments: [1, 2, 7])
    func roundTripsRows(dimension: Int) throws {
        let rows = DatasetBytes.rows(9, dimension: dimension)
        let matrix = try decodeFloats(DatasetBytes.fvecs(rows))
        #expect(matrix.rows == 9 && matrix.columns == dimension)
        #expect(matrix.elements == rows.flatMap { $0 })
    }

    @Test func readsIvecs() throws {
        let rows: [[Int32]] = [[0, 1, 2], [5, 4, 3]]
        let matrix = try DatasetBytes.ivecs(rows).withUnsafeBytes { raw in
            try FVecsReader.decodeIntegers(raw, name: "x.ivecs")
        }
        #expect(matrix == Matrix(rows: 2, columns: 3, elements: [0, 1, 2, 5, 4, 3]))
    }

    static let malformed: [(String, [UInt8])] = [
        ("empty", []),
        ("short header", [4, 0]),
        ("zero dimension", DatasetBytes.littleEndian(Int32(0))),
        ("negative dimension", DatasetBytes.littleEndian(Int32(-3)) + DatasetBytes.float(1)),
        ("absurd dimension", DatasetBytes.littleEndian(Int32.max) + DatasetBytes.float(1)),
        ("truncated record", Array(DatasetBytes.fvecs([[1, 2, 3], [4, 5, 6]]).dropLast(2))),
        ("changing dimension", DatasetBytes.fvecs([[1, 2]]) + DatasetBytes.littleEndian(Int32(1)) + DatasetBytes.float(3) + DatasetBytes.float(4)),
        ("NaN", DatasetBytes.fvecs([[1, 2], [3, .nan]])),
        ("infinity", DatasetBytes.fvecs([[.infinity, 2]])),
    ]

    @Test(arguments: malformed)
    func rejectsMalformedInput(_ name: String, _ bytes: [UInt8]) {
        expectCLIError(.corruption, "\(name)") { try decodeFloats(bytes) }
    }

    @Test func nanErrorNamesTheRowNotTheValue() {
        let error = expectCLIError(.corruption) { try decodeFloats(DatasetBytes.fvecs([[1, 2], [3, 4], [.nan, 0]])) }
        #expect(error?.message == "x.fvecs: row 2 has a non-finite value (NaN or infinity)")
    }

    @Test func everyPrefixOfAValidFileDecodesOrFailsCleanly() {
        let bytes = DatasetBytes.fvecs(DatasetBytes.rows(3, dimension: 2))
        for length in 0...bytes.count {
            let result = Result { () throws in try decodeFloats(Array(bytes.prefix(length))) }
            if case .success(let matrix) = result { #expect(length % 12 == 0 && matrix.rows == length / 12) }
        }
    }
}
