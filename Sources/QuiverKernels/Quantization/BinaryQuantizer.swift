/// Binary quantisation: one bit per dimension, set when the element is positive.
///
/// For centred or normalised embeddings the Hamming distance between sign patterns tracks the
/// angle between vectors; it is a coarse filter whose candidates are re-ranked exactly.
public enum BinaryQuantizer {
    /// 64-bit words needed for `dimension` bits.
    @inlinable
    public static func words(dimension: Int) -> Int { (dimension + 63) / 64 }

    /// Writes the sign bits of `vector` to `destination`, zero-filling the last word's tail.
    ///
    /// - Precondition: `destination` holds at least `words(dimension: vector.count)` words.
    public static func encode(_ vector: UnsafeBufferPointer<Float>, into destination: UnsafeMutablePointer<UInt64>) {
        let wordCount = words(dimension: vector.count)
        for w in 0..<wordCount {
            var word: UInt64 = 0
            let start = w * 64
            let end = min(start + 64, vector.count)
            for i in start..<end where vector[i] > 0 { word |= 1 << UInt64(i - start) }
            destination[w] = word
        }
    }
}
