internal import Foundation

/// A deterministic data set for `quiver bench` without `--dataset`: gaussian clusters around
/// random centres, with queries drawn from the same mixture.
///
/// The same arguments give the same vectors on every machine (SplitMix64 and Box-Muller in
/// double precision), so runs on different machines compare.
package enum SyntheticDataset {
    /// Dimensions per vector.
    package static let dimension = 128
    /// Train vectors by default: small enough that a release build indexes them in seconds on 2 cores.
    package static let defaultCount = 20_000
    /// Queries by default.
    package static let defaultQueryCount = 1_000
    /// Number of cluster centres.
    package static let clusters = 100
    /// The seed.
    package static let seed: UInt64 = 0x5155_4956_4552  // "QUIVER"

    /// The name reported as the dataset.
    package static let name = "synthetic-clustered"

    /// Generates `count` train and `queryCount` query vectors.
    ///
    /// Centres are N(0, 2²) per coordinate and points are centre + N(0, 1), so clusters are
    /// distinct but a point's nearest neighbours are not trivially its cluster's.
    ///
    /// - Complexity: O((count + queryCount) × dimension).
    package static func generate(
        count: Int, queryCount: Int, dimension: Int = dimension, clusters: Int = clusters, seed: UInt64 = seed
    ) -> (train: Matrix<Float>, queries: Matrix<Float>) {
        var random = SplitMix64(state: seed)
        var centres = [Float](repeating: 0, count: clusters * dimension)
        for i in centres.indices { centres[i] = 2 * random.nextGaussian() }
        func sample(_ rows: Int) -> Matrix<Float> {
            var elements = [Float](repeating: 0, count: rows * dimension)
            for row in 0..<rows {
                let centre = Int(random.next() % UInt64(clusters))
                for j in 0..<dimension {
                    elements[row * dimension + j] = centres[centre * dimension + j] + random.nextGaussian()
                }
            }
            return Matrix(rows: rows, columns: dimension, elements: elements)
        }
        let train = sample(count)
        let queries = sample(queryCount)
        return (train, queries)
    }
}

/// SplitMix64: a small, fast, well-mixed 64-bit generator, defined the same everywhere.
private struct SplitMix64 {
    var state: UInt64
    var spare: Float?

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in (0, 1].
    mutating func nextUnit() -> Double { (Double(next() >> 11) + 1) * 0x1p-53 }

    /// A standard normal sample (Box-Muller, both outputs used).
    mutating func nextGaussian() -> Float {
        if let value = spare {
            spare = nil
            return value
        }
        let radius = (-2 * log(nextUnit())).squareRoot()
        let angle = 2 * Double.pi * nextUnit()
        spare = Float(radius * sin(angle))
        return Float(radius * cos(angle))
    }
}
