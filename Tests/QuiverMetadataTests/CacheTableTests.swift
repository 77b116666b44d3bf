import QuiverEngine
import QuiverMetadata
import QuiverTestSupport
import Synchronization
import Testing

/// A plain LRU cache of keys only (a doubly linked list over slots), as the reference SIEVE must beat.
private struct LRUReference {
    let capacity: Int
    private var slot: [Int: Int] = [:]
    private var key: [Int] = []
    private var newer: [Int] = []
    private var older: [Int] = []
    private var head = -1  // most recent
    private var tail = -1  // least recent
    private(set) var hits = 0

    init(capacity: Int) { self.capacity = capacity }

    private mutating func unlink(_ s: Int) {
        if newer[s] >= 0 { older[newer[s]] = older[s] } else { head = older[s] }
        if older[s] >= 0 { newer[older[s]] = newer[s] } else { tail = newer[s] }
    }

    private mutating func pushFront(_ s: Int) {
        newer[s] = -1
        older[s] = head
        if head >= 0 { newer[head] = s }
        head = s
        if tail < 0 { tail = s }
    }

    mutating func access(_ k: Int) {
        if let s = slot[k] {
            hits += 1
            unlink(s)
            pushFront(s)
            return
        }
        let s: Int
        if slot.count >= capacity {
            s = tail
            unlink(s)
            slot[key[s]] = nil
            key[s] = k
        } else {
            s = key.count
            key.append(k)
            newer.append(-1)
            older.append(-1)
        }
        slot[k] = s
        pushFront(s)
    }
}

/// Keys drawn from a Zipf(1.0) distribution over `universe` keys.
private func zipfTrace(count: Int, universe: Int, seed: UInt64) -> [Int] {
    var weights = (1...universe).map { 1 / Double($0) }
    let total = weights.reduce(0, +)
    var cumulative = 0.0
    for i in weights.indices {
        cumulative += weights[i] / total
        weights[i] = cumulative
    }
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        let u = Double.random(in: 0..<1, using: &generator)
        var low = 0
        var high = universe - 1
        while low < high {
            let mid = (low + high) / 2
            if weights[mid] < u { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

@Suite struct CacheTableTests {
    @Test func storesReadsAndCounts() {
        let cache = CacheTable(name: "t")
        #expect(cache.get("a") == nil)
        cache.set("a", [1, 2])
        #expect(cache.get("a") == [1, 2])
        cache.set("a", [3])
        #expect(cache.get("a") == [3])
        #expect(cache.remove("a"))
        #expect(!cache.remove("a"))
        let statistics = cache.statistics
        #expect(statistics.hits == 2 && statistics.misses == 1 && statistics.entries == 0 && statistics.bytes == 0)
    }

    @Test func expiredEntriesAreNeverReturned() {
        let clock = CacheClock()
        clock.set(milliseconds: 1_000_000)
        let cache = CacheTable(name: "t", configuration: .init(defaultTTL: .seconds(10)), clock: clock)
        cache.set("default", [1])
        cache.set("short", [2], ttl: .milliseconds(1))
        cache.set("long", [3], ttl: .seconds(3600))
        #expect(cache.remainingMilliseconds("default") == 10_000)
        clock.advance(by: .milliseconds(1))
        #expect(cache.get("short") == nil)
        #expect(cache.get("default") == [1])
        clock.advance(by: .seconds(10))
        #expect(cache.get("default") == nil)
        #expect(cache.get("long") == [3])
        #expect(cache.statistics.expirations == 2)
        clock.advance(by: .seconds(3600))
        #expect(cache.statistics.entries == 1)  // not yet reclaimed, but never served
        #expect(cache.remainingMilliseconds("long") == nil)
        #expect(cache.purgeExpired() == 1)
        #expect(cache.statistics.entries == 0 && cache.statistics.bytes == 0)
    }

    @Test func boundsHoldInEntriesAndBytes() {
        let cache = CacheTable(name: "t", configuration: .init(maxEntries: 100, maxBytes: 1000))
        for i in 0..<500 { cache.set("k\(i)", [UInt8](repeating: 0, count: 5)) }
        #expect(cache.statistics.entries == 100)
        #expect(cache.statistics.evictions == 400)
        for i in 0..<50 { cache.set("big\(i)", [UInt8](repeating: 0, count: 90)) }
        #expect(cache.statistics.bytes <= 1000)
        #expect(!cache.set("huge", [UInt8](repeating: 0, count: 2000)))
        #expect(cache.get("huge") == nil)
    }

    @Test func aSetOverTheByteBoundRemovesTheKeysOldValue() {
        let cache = CacheTable(name: "t", configuration: .init(maxEntries: 100, maxBytes: 1000))
        #expect(cache.set("k", [1, 2, 3]))
        #expect(cache.set("other", [4]))
        let before = cache.statistics
        #expect(!cache.set("k", [UInt8](repeating: 0, count: 2000)))
        #expect(cache.get("k") == nil)  // never the value set before
        #expect(cache.get("other") == [4])
        #expect(cache.statistics.entries == before.entries - 1)
        #expect(cache.statistics.bytes == before.bytes - 4)
    }

    @Test func sieveKeepsHotKeysBetterThanLRU() {
        let trace = zipfTrace(count: 100_000, universe: 20_000, seed: 7)
        for capacity in [200, 1000, 4000] {
            let cache = CacheTable(name: "t", configuration: .init(maxEntries: capacity))
            var lru = LRUReference(capacity: capacity)
            for key in trace {
                if cache.get("\(key)") == nil { cache.set("\(key)", []) }
                lru.access(key)
            }
            let lruRatio = Double(lru.hits) / Double(trace.count)
            let sieveRatio = cache.statistics.hitRatio
            print("cache hit ratio at capacity \(capacity): SIEVE \(sieveRatio), LRU \(lruRatio)")
            #expect(sieveRatio >= lruRatio, "capacity \(capacity): SIEVE \(sieveRatio) < LRU \(lruRatio)")
        }
    }

    @Test func concurrentMissesLoadOnce() async throws {
        let cache = CacheTable(name: "t")
        final class Counter: Sendable { let value = Mutex(0) }
        let loads = Counter()
        try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await cache.getOrCompute("key") {
                        loads.value.withLock { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(50))
                        return [42]
                    }
                }
            }
            for try await value in group { #expect(value == [42]) }
        }
        #expect(loads.value.withLock { $0 } == 1)
        struct Failure: Error {}
        await #expect(throws: Failure.self) { try await cache.getOrCompute("bad") { throw Failure() } }
        #expect(cache.get("bad") == nil)
    }
}
