@testable import QuiverEngine
import QuiverTestSupport
import Testing

@Suite struct SortedKeySectionTests {
    private func withSection<R>(_ keys: [[UInt8]], _ body: (SortedKeys) throws -> R) rethrows -> R {
        let bytes = SortedKeySection.encode(keys)
        return try bytes.withUnsafeBytes { raw in try body(SortedKeys(raw)!) }
    }

    @Test(arguments: [0, 1, 15, 16, 17, 33, 1000])
    func everyKeyReadsBackAndFindsItsRank(count: Int) {
        let keys = (0..<count).map { Array(String(format6($0)).utf8) }
        withSection(keys) { section in
            #expect(section.count == count)
            #expect(section.damage() == nil)
            for (i, key) in keys.enumerated() {
                #expect(section.key(at: i) == key)
                #expect(section.index(of: key) == i)
            }
            #expect(section.key(at: count) == nil)
            #expect(section.index(of: Array("zzz".utf8)) == nil)
            var walked: [[UInt8]] = []
            section.forEach(from: count / 2) { _, key in
                walked.append(key)
                return true
            }
            #expect(walked == Array(keys[(count / 2)...]))
        }
    }

    @Test func lowerBoundFindsTheFirstKeyNotLess() {
        let keys: [[UInt8]] = [[], [0], [0, 0], [1], [1, 255], [2]] + (3..<40).map { [UInt8($0)] }
        withSection(keys) { section in
            #expect(section.damage() == nil)
            let probe: [UInt8] = [1, 5]
            let (index, found) = probe.withUnsafeBytes { section.lowerBound($0) }
            #expect(index == 4 && !found)
            let (index2, found2) = [UInt8]([0, 0]).withUnsafeBytes { section.lowerBound($0) }
            #expect(index2 == 2 && found2)
            let (index3, _) = [UInt8]([200]).withUnsafeBytes { section.lowerBound($0) }
            #expect(index3 == keys.count)
        }
    }

    @Test func prefixCompressionIsCompactForSequentialKeys() {
        let keys = (0..<10_000).map { Array(format6($0).utf8) }
        let bytes = SortedKeySection.encode(keys)
        #expect(Double(bytes.count) / 10_000 < 4.5, "\(Double(bytes.count) / 10_000) bytes per key")
    }

    @Test func damagedBytesNeverTrap() {
        var random = SeededGenerator(seed: 9)
        let keys = (0..<200).map { Array("key-\(format6($0 * 7))".utf8) }
        let clean = SortedKeySection.encode(keys)
        for _ in 0..<500 {
            var bytes = clean
            let position = Int.random(in: 0..<bytes.count, using: &random)
            bytes[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            bytes.withUnsafeBytes { raw in
                guard let section = SortedKeys(raw) else { return }
                _ = section.damage()
                for i in 0..<min(section.count, 300) { _ = section.key(at: i) }
                _ = section.index(of: keys[17])
                section.forEach(from: 0) { _, _ in true }
            }
        }
        // Truncations.
        for length in [0, 1, 11, 12, clean.count / 2, clean.count - 1] {
            Array(clean.prefix(length)).withUnsafeBytes { raw in
                if let section = SortedKeys(raw) { _ = section.damage() }
            }
        }
    }

    private func format6(_ i: Int) -> String {
        let digits = String(i)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
