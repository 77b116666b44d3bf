/// The deterministic projection of `VADD … REDUCE k`: Redis 8.8's Hadamard-pattern matrix, so a
/// set created here and one created by Redis map the same input to the same stored vector.
///
/// Row `i`, column `j` holds `+s` when `popcount(i & j)` is even and `-s` when it is odd, with
/// `s = 1 / sqrt(input dimension)` (computed in double, stored as f32). The output is
/// `y_i = Σ_j M[i][j] · x_j`, summed in f32 in column order, as Redis does.
struct VectorSetProjection: Sendable, Hashable {
    let inputDimension: Int
    let outputDimension: Int
    /// The matrix's magnitude: `1 / sqrt(inputDimension)`, rounded once to f32.
    let scale: Float

    /// The projection from `inputDimension` to `outputDimension` (1...inputDimension).
    init(inputDimension: Int, outputDimension: Int) {
        precondition(outputDimension >= 1 && outputDimension <= inputDimension, "REDUCE target out of range")
        self.inputDimension = inputDimension
        self.outputDimension = outputDimension
        scale = Float(1.0 / Double(inputDimension).squareRoot())
    }

    /// The entry at row `i`, column `j`.
    @inline(__always)
    func entry(_ i: Int, _ j: Int) -> Float { (i & j).nonzeroBitCount & 1 == 0 ? scale : -scale }

    /// `vector` projected.
    ///
    /// - Precondition: `vector.count == inputDimension`.
    /// - Complexity: O(input × output).
    func apply(_ vector: [Float]) -> [Float] {
        precondition(vector.count == inputDimension, "projection input of the wrong dimension")
        var output = [Float](repeating: 0, count: outputDimension)
        vector.withUnsafeBufferPointer { x in
            for i in 0..<outputDimension {
                var sum: Float = 0
                for j in 0..<inputDimension { sum += entry(i, j) * x[j] }
                output[i] = sum
            }
        }
        return output
    }
}
