import Testing
import QuiverCLI

@Suite struct MatrixTests {
    let matrix = Matrix<Float>(rows: 3, columns: 2, elements: [1, 2, 3, 4, 5, 6])

    @Test func rowsPrefixAndSuffix() {
        #expect(Array(matrix.row(1)) == [3, 4])
        #expect(matrix.prefix(rows: 2) == Matrix(rows: 2, columns: 2, elements: [1, 2, 3, 4]))
        #expect(matrix.prefix(rows: 10) == matrix)
        #expect(matrix.suffix(fromRow: 2) == Matrix(rows: 1, columns: 2, elements: [5, 6]))
        #expect(matrix.suffix(fromRow: 3).rows == 0)
    }

    @Test func findsTheFirstNonFiniteRow() {
        #expect(matrix.firstNonFiniteRow() == nil)
        #expect(Matrix<Float>(rows: 2, columns: 1, elements: [0, .nan]).firstNonFiniteRow() == 1)
        #expect(Matrix<Float>(rows: 2, columns: 1, elements: [-.infinity, 0]).firstNonFiniteRow() == 0)
        expectCLIError(.corruption) { try Matrix<Float>(rows: 1, columns: 1, elements: [.nan]).requireFinite("m") }
    }
}
