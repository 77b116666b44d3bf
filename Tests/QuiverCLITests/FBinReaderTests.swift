import Testing
import QuiverCLI

@Suite struct FBinReaderTests {
    private func decodeFloats(_ bytes: [UInt8]) throws -> Matrix<Float> {
        try bytes.withUnsafeBytes { raw in try FBinReader.decodeFloats(raw, name: "x.fbin") }
    }

    @Test func roundTripsRows() throws {
        let rows = DatasetBytes.rows(6, dimension: 5)
        let matrix = try decodeFloats(DatasetBytes.fbin(rows))
        #expect(matrix.rows == 6 && matrix.columns == 5)
        #expect(matrix.elements == rows.flatMap { $0 })
    }

    @Test func readsIbin() throws {
        let matrix = try DatasetBytes.ibin([[7, 8], [9, 10]]).withUnsafeBytes { raw in
            try FBinReader.decodeIntegers(raw, name: "x.ibin")
        }
        #expect(matrix == Matrix(rows: 2, columns: 2, elements: [7, 8, 9, 10]))
    }

    static let malformed: [(String, [UInt8])] = [
        ("empty", []),
        ("short header", [1, 0, 0, 0, 2, 0]),
        ("zero rows", DatasetBytes.littleEndian(UInt32(0)) + DatasetBytes.littleEndian(UInt32(4))),
        ("zero dimension", DatasetBytes.littleEndian(UInt32(4)) + DatasetBytes.littleEndian(UInt32(0))),
        ("absurd header", DatasetBytes.littleEndian(UInt32.max) + DatasetBytes.littleEndian(UInt32.max) + DatasetBytes.float(1)),
        ("truncated", Array(DatasetBytes.fbin([[1, 2], [3, 4]]).dropLast(1))),
        ("trailing bytes", DatasetBytes.fbin([[1, 2]]) + [0, 0, 0, 0]),
        ("NaN", DatasetBytes.fbin([[1, .nan]])),
    ]

    @Test(arguments: malformed)
    func rejectsMalformedInput(_ name: String, _ bytes: [UInt8]) {
        expectCLIError(.corruption, "\(name)") { try decodeFloats(bytes) }
    }

    @Test func headerSizeMismatchSaysWhich() {
        let error = expectCLIError(.corruption) { try decodeFloats(DatasetBytes.fbin([[1, 2]]) + [0]) }
        #expect(error?.message.contains("trailing bytes") == true)
    }
}
