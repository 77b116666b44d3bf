@testable import QuiverEngine
import QuiverTestSupport
import Testing

@Suite struct SortedMapTests {
    private func key(_ i: Int) -> [UInt8] { Array("k\(i)".utf8) }

    @Test(arguments: [0, 1, 2, 3, 7, 16, 100])
    func everySmallSizeKeepsOrderCountsAndRanks(count: Int) {
        var random = SeededGenerator(seed: UInt64(count) + 1)
        var map = SortedMap<Int>()
        var model: [[UInt8]: Int] = [:]
        for i in (0..<count).shuffled(using: &random) {
            map.insert(i, forKey: key(i))
            model[key(i)] = i
        }
        #expect(map.count == count)
        #expect(map.checkInvariants())
        let sorted = model.keys.sorted { compareKeys($0, $1) < 0 }
        var seen: [[UInt8]] = []
        map.forEach { k, v in
            seen.append(k)
            #expect(model[k] == v)
            return true
        }
        #expect(seen == sorted)
        for (rank, k) in sorted.enumerated() {
            #expect(map.element(at: rank).key == k)
            #expect(map.rank(of: k) == rank)
        }
    }

    @Test func persistentVersionsDoNotChangeEachOther() {
        var map = SortedMap<Int>()
        for i in 0..<200 { map.insert(i, forKey: key(i)) }
        let before = map
        var after = map
        for i in stride(from: 0, to: 200, by: 2) { after.remove(key(i)) }
        after.insert(-1, forKey: key(1))
        #expect(before.count == 200)
        #expect(after.count == 100)
        #expect(before[key(1)] == 1)
        #expect(after[key(1)] == -1)
        #expect(before[key(0)] == 0)
        #expect(after[key(0)] == nil)
        #expect(before.checkInvariants() && after.checkInvariants())
    }

    @Test func randomOperationsMatchADictionary() {
        var random = SeededGenerator(seed: 42)
        var map = SortedMap<Int>()
        var model: [[UInt8]: Int] = [:]
        for step in 0..<5_000 {
            let k = key(Int.random(in: 0..<300, using: &random))
            if Bool.random(using: &random) {
                map.insert(step, forKey: k)
                model[k] = step
            } else {
                map.remove(k)
                model[k] = nil
            }
        }
        #expect(map.count == model.count)
        #expect(map.checkInvariants())
        for (k, v) in model { #expect(map[k] == v) }
    }

    @Test func inPlaceInsertsNeverChangeAVersionHeldElsewhere() {
        // Versions taken at random points while one map goes on inserting (in place where it
        // holds its nodes alone) and removing: each must read as its model did when taken.
        var random = SeededGenerator(seed: 7)
        var map = SortedMap<Int>()
        var model: [[UInt8]: Int] = [:]
        var versions: [(map: SortedMap<Int>, model: [[UInt8]: Int])] = []
        for step in 0..<6_000 {
            let k = key(Int.random(in: 0..<400, using: &random))
            if Int.random(in: 0..<4, using: &random) == 0 {
                map.remove(k)
                model[k] = nil
            } else {
                map.insert(step, forKey: k)
                model[k] = step
            }
            if step % 250 == 0 { versions.append((map, model)) }
            // Drop some versions, so later inserts find nodes that became unshared again.
            if step % 700 == 0, versions.count > 3 { versions.remove(at: Int.random(in: 0..<versions.count, using: &random)) }
        }
        versions.append((map, model))
        for (version, expected) in versions {
            #expect(version.count == expected.count)
            #expect(version.checkInvariants())
            var seen = 0
            version.forEach { k, v in
                seen += 1
                #expect(expected[k] == v)
                return true
            }
            #expect(seen == expected.count)
        }
    }

    @Test func aMapHeldAloneInsertsWithoutCopyingItsNodes() {
        var map = SortedMap<Int>()
        for i in 0..<1_000 { map.insert(i, forKey: key(i)) }
        // An identifier holds no reference: the map stays the root's only owner.
        let root = ObjectIdentifier(map.root!)
        for i in 0..<1_000 { map.insert(-i, forKey: key(i)) }
        #expect(ObjectIdentifier(map.root!) == root, "replacing values of a map held alone keeps its nodes")
        let held = map
        map.insert(5, forKey: key(5))
        #expect(map.root !== held.root, "a shared root is copied")
        #expect(held[key(5)] == -5 && map[key(5)] == 5)
    }

    @Test func cursorsStartAtTheLowerBound() {
        var map = SortedMap<Int>()
        for i in [10, 20, 30, 40] { map.insert(i, forKey: [UInt8(i)]) }
        var keys: [UInt8] = []
        map.forEach(from: [25]) { k, _ in
            keys.append(k[0])
            return true
        }
        #expect(keys == [30, 40])
        keys = []
        map.forEach(from: [20]) { k, _ in
            keys.append(k[0])
            return keys.count < 2
        }
        #expect(keys == [20, 30])
    }

    @Test func keysCompareByBytesThenLength() {
        #expect(compareKeys([], [0]) < 0)
        #expect(compareKeys([1, 2], [1, 2, 0]) < 0)
        #expect(compareKeys([0xFF], [0x00, 0xFF]) > 0)
        #expect(compareKeys([7, 7], [7, 7]) == 0)
    }

    @Test func prefixesOrderKeysAsTheirBytesDoOrLeaveItToThem() {
        var random = SeededGenerator(seed: 11)
        // Short keys with zero bytes and shared 16-byte heads are where a padded prefix could lie.
        let pieces: [[UInt8]] = [[], [0], [0, 0], [1], [0xFF], Array(repeating: 0x61, count: 16), Array("key:000000012345".utf8)]
        var keys: [[UInt8]] = pieces
        for _ in 0..<400 {
            var key = pieces.randomElement(using: &random)!
            for _ in 0..<Int.random(in: 0..<4, using: &random) { key.append([0, 1, 0x7F, 0xFF].randomElement(using: &random)!) }
            keys.append(key)
        }
        for a in keys {
            for b in keys.prefix(60) {
                let exact = compareKeys(a, b).signum()
                if let fast = KeyPrefix(a).compare(to: KeyPrefix(b)) {
                    #expect(fast == exact, "\(a) vs \(b)")
                } else {
                    #expect(Array(a.prefix(16)) + Array(repeating: 0, count: max(0, 16 - a.count))
                        == Array(b.prefix(16)) + Array(repeating: 0, count: max(0, 16 - b.count)))
                }
            }
        }
    }
}
