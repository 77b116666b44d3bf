import Testing

@testable import QuiverServer

@Suite struct VectorSetProjectionTests {
    @Test func entriesFollowTheHadamardPattern() {
        let projection = VectorSetProjection(inputDimension: 4, outputDimension: 3)
        #expect(projection.scale == 0.5)
        // popcount(i & j) even: +s, odd: -s.
        let expected: [[Float]] = [[0.5, 0.5, 0.5, 0.5], [0.5, -0.5, 0.5, -0.5], [0.5, 0.5, -0.5, -0.5]]
        for i in 0..<3 { for j in 0..<4 { #expect(projection.entry(i, j) == expected[i][j]) } }
        #expect(VectorSetProjection(inputDimension: 3, outputDimension: 1).scale == Float(1 / 3.0.squareRoot()))
    }

    /// The values Redis 8.8 stores for these inputs (read back with VEMB from the anchor).
    @Test func appliesLikeRedis() {
        #expect(VectorSetProjection(inputDimension: 4, outputDimension: 2).apply([1, 2, 3, 4]) == [5, -1])
        #expect(VectorSetProjection(inputDimension: 4, outputDimension: 2).apply([4, 3, 2, 1]) == [5, 1])
        let eight = VectorSetProjection(inputDimension: 8, outputDimension: 3).apply([1, 2, 3, 4, 5, 6, 7, 8])
        let s = Float(1 / 8.0.squareRoot())
        #expect(eight.count == 3)
        #expect(abs(eight[0] - 36 * s) < 1e-5 && abs(eight[1] - -4 * s) < 1e-5 && abs(eight[2] - -8 * s) < 1e-5)
    }

    @Test func matchesAMatrixProductInDouble() {
        var generator = SystemRandomNumberGenerator()
        let input = (0..<37).map { _ in Float.random(in: -1...1, using: &generator) }
        let projection = VectorSetProjection(inputDimension: 37, outputDimension: 11)
        let output = projection.apply(input)
        for i in 0..<11 {
            let exact = (0..<37).reduce(0.0) { $0 + Double(projection.entry(i, $1)) * Double(input[$1]) }
            #expect(abs(Double(output[i]) - exact) < 1e-5)
        }
    }
}
