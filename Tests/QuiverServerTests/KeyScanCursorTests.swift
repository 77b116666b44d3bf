import Quiver
import QuiverTestSupport
import Testing

@testable import QuiverServer

@Suite struct KeyScanCursorTests {
    @Test(arguments: [
        ("0", UInt64(0)), ("10", 10), ("007", 7), ("+5", 5), ("", 0), ("18446744073709551615", .max),
        ("9223372036854775808", 9_223_372_036_854_775_808), ("-1", .max), ("-18446744073709551615", 1), ("5\0x", 5),
    ])
    func parsesCursorsAsRedis(text: String, expected: UInt64) {
        #expect(KeyScanCursor.parse(Array(text.utf8)) == expected)
    }

    @Test(arguments: [" 5", "abc", "1.5", "18446744073709551616", "-18446744073709551616", "5 ", "+", "-", " ", "+ 5"])
    func refusesCursorsRedisRefuses(text: String) {
        #expect(KeyScanCursor.parse(Array(text.utf8)) == nil, "\(text)")
    }

    @Test func hashIsFixedAndSpreadsSimilarKeys() {
        // Fixed across runs and platforms: cursors keep their meaning after a restart.
        #expect(KeyScanCursor.hash([]) == KeyScanCursor.hash([]))
        #expect(KeyScanCursor.hash(Array("key:1".utf8)) != KeyScanCursor.hash(Array("key:2".utf8)))
        var high = 0
        for i in 0..<1000 where KeyScanCursor.hash(Array("key:\(i)".utf8)) >= 1 << 63 { high += 1 }
        #expect((400...600).contains(high))
    }

    @Test func pagesKeepHashGroupsTogetherAndEndAtZero() {
        let snapshot = KeyScanSnapshot((0..<100).map { Key("k\($0)") })
        var cursor: UInt64 = 0
        var seen: [Key] = []
        repeat {
            let page = snapshot.page(from: cursor, count: 7)
            seen += page.keys
            #expect(page.keys.count >= 7 || page.next == 0)
            cursor = page.next
        } while cursor != 0
        #expect(Set(seen).count == 100 && seen.count == 100)
        #expect(snapshot.page(from: .max, count: 10).next == 0)
        #expect(KeyScanSnapshot([]).page(from: 0, count: 10).keys.isEmpty)
    }

    /// Every key present for a whole scan is returned, while other keys come and go and other
    /// scans start (each replacing the shared copy).
    @Test(arguments: 0..<20)
    func everyKeyPresentThroughoutIsReturned(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var live = Set((0..<300).map { Key("key:\($0)") })
        let stable = Set(live.filter { _ in Bool.random(using: &generator) })
        var shared = KeyScanSnapshot(Array(live))
        var cursor: UInt64 = 0
        var returned = Set<Key>()
        var first = true
        repeat {
            if first || Int.random(in: 0..<4, using: &generator) == 0 { shared = KeyScanSnapshot(Array(live)) }
            first = false
            let page = shared.page(from: cursor, count: Int.random(in: 1...25, using: &generator))
            for key in page.keys where live.contains(key) { returned.insert(key) }
            cursor = page.next
            // Writes between calls: keys outside the stable set come and go.
            for _ in 0..<10 {
                let key = Key("key:\(Int.random(in: 0..<600, using: &generator))")
                if stable.contains(key) { continue }
                if live.contains(key) { live.remove(key) } else { live.insert(key) }
            }
        } while cursor != 0
        #expect(stable.isSubset(of: returned))
    }
}
