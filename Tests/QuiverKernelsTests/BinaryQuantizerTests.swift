import CQuiverSIMD
import QuiverKernels
import QuiverTestSupport
import Testing

private func encode(_ vector: [Float]) -> [UInt64] {
    // Pre-filled with ones, so the test sees whether the encoder clears the last word's tail.
    var words = [UInt64](repeating: ~0, count: BinaryQuantizer.words(dimension: vector.count))
    vector.withUnsafeBufferPointer { BinaryQuantizer.encode($0, into: &words) }
    return words
}

@Suite struct BinaryQuantizerTests {
    @Test(arguments: [(0, 0), (1, 1), (63, 1), (64, 1), (65, 2), (128, 2), (129, 3), (1536, 24)])
    func wordCount(dimension: Int, words: Int) {
        #expect(BinaryQuantizer.words(dimension: dimension) == words)
    }

    /// Bit `i % 64` of word `i / 64` is set exactly when element `i` is positive (so 0, -0 and NaN
    /// are clear), and the bits past the last dimension are zero.
    @Test func bitLayoutFollowsSignsAndZeroesTheTail() {
        var rng = SeededGenerator(seed: 3)
        for n in 1...200 {
            var vector = (0..<n).map { _ in rng.nextGaussian() }
            if n > 3 {
                vector[1] = 0
                vector[2] = -0.0
                vector[3] = .nan
            }
            let words = encode(vector)
            for i in 0..<(words.count * 64) {
                let bit = words[i / 64] >> UInt64(i % 64) & 1 == 1
                #expect(bit == (i < n && vector[i] > 0), "n=\(n) bit \(i)")
            }
        }
    }

    @Test func allPositiveFillsExactlyTheDimensionBits() {
        #expect(encode([Float](repeating: 1, count: 70)) == [~0, 0b11_1111])
        #expect(encode([Float](repeating: 1, count: 64)) == [~0])
        #expect(encode([Float](repeating: -1, count: 65)) == [0, 0])
    }

    /// The Hamming distance of two codes counts the dimensions whose signs differ, at every level.
    @Test(arguments: KernelVariant.all)
    func hammingCountsSignDisagreements(variant: KernelVariant) {
        var rng = SeededGenerator(seed: 4)
        for n in [1, 63, 64, 65, 100, 768, 1000] {
            let a = (0..<n).map { _ in rng.nextGaussian() }
            let b = (0..<n).map { _ in rng.nextGaussian() }
            let expected = zip(a, b).filter { ($0 > 0) != ($1 > 0) }.count
            let (ca, cb) = (encode(a), encode(b))
            #expect(variant.table.pointee.hamming(ca, cb, ca.count) == UInt32(expected), "n=\(n)")
        }
    }
}
