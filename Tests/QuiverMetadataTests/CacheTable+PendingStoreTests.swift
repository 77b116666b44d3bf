import QuiverEngine
import QuiverMetadata
import Testing

/// The commit path's writes into a cache table: runs stored under one lock, keys replaced in
/// their slots, and values read in place.
@Suite struct CacheTablePendingStoreTests {
    @Test func aRunStoresInOrderAndTheLastWriteOfAKeyWins() {
        let cache = CacheTable(name: "t")
        let evicted = cache.storeEvicting([
            .init("a", [1], deadline: .max), .init("b", [2], deadline: .max), .init("a", [3, 3], deadline: .max),
        ])
        #expect(evicted.isEmpty)
        #expect(cache.get("a") == [3, 3] && cache.get("b") == [2])
        let statistics = cache.statistics
        #expect(statistics.entries == 2 && statistics.bytes == (1 + 2) + (1 + 1) && statistics.evictions == 0)
    }

    @Test func aRunEvictsToStayInBoundsAndLeavesOutWhatCanNeverFit() {
        let cache = CacheTable(name: "t", configuration: .init(maxEntries: 3, maxBytes: 100))
        let run = (0..<10).map { CacheTable.PendingStore(Key("k\($0)"), [UInt8](repeating: 1, count: 4), deadline: .max) }
        let evicted = cache.storeEvicting(run + [.init("huge", [UInt8](repeating: 0, count: 200), deadline: .max)])
        #expect(evicted.count == 8 && evicted.last == "huge", "seven to make room, and the entry that can never fit")
        #expect(Set(evicted).isDisjoint(with: [Key("k9")]), "the newest entry is kept")
        #expect(cache.statistics.entries == 3 && cache.get("huge") == nil && cache.get("k9") != nil)
        // An oversized value of a key held replaces it by nothing: the old value goes too.
        #expect(cache.storeEvicting([.init("k9", [UInt8](repeating: 0, count: 200), deadline: .max)]) == ["k9"])
        #expect(cache.get("k9") == nil && cache.statistics.entries == 2)
    }

    @Test func replacingAKeyKeepsItsSlotAndAdjustsTheBytes() {
        let cache = CacheTable(name: "t", configuration: .init(maxEntries: 2, maxBytes: 1000))
        cache.set("a", [1])
        cache.set("b", [2])
        for value in [[UInt8](repeating: 9, count: 50), [7]] {
            cache.set("a", value)
            #expect(cache.get("a") == value)
            #expect(cache.statistics.entries == 2 && cache.statistics.evictions == 0)
            #expect(cache.statistics.bytes == (1 + value.count) + (1 + 1))
        }
        // A replacement the byte bound cannot hold beside the rest evicts others, never itself.
        let big = [UInt8](repeating: 5, count: 998)
        #expect(cache.set("a", big))
        #expect(cache.get("a") == big && cache.get("b") == nil)
        #expect(cache.statistics.evictions == 1 && cache.statistics.bytes == 999)
    }

    @Test func replacingAnExpiredEntryMakesItLiveWithItsNewDeadline() {
        let clock = CacheClock()
        clock.set(milliseconds: 1_000_000)
        let cache = CacheTable(name: "t", clock: clock)
        cache.set("a", [1], ttl: .milliseconds(5))
        clock.advance(by: .milliseconds(10))
        cache.set("a", [2], ttl: .seconds(60))
        #expect(cache.get("a") == [2])
        #expect(cache.remainingMilliseconds("a") == 60_000)
        #expect(cache.statistics.entries == 1)
    }

    @Test func valuesReadInPlaceAreCountedAndNeverExpired() {
        let clock = CacheClock()
        clock.set(milliseconds: 1_000_000)
        let cache = CacheTable(name: "t", clock: clock)
        cache.set("a", [1, 2, 3], ttl: .milliseconds(5))
        var seen: [UInt8] = []
        #expect(cache.withValue("a") { seen = Array($0) })
        #expect(seen == [1, 2, 3])
        #expect(!cache.withValue("missing") { _ in Issue.record("no value to read") })
        clock.advance(by: .milliseconds(5))
        #expect(!cache.withValue("a") { _ in Issue.record("an expired value was read") })
        let statistics = cache.statistics
        #expect(statistics.hits == 1 && statistics.misses == 2 && statistics.expirations == 1 && statistics.entries == 0)
    }
}
