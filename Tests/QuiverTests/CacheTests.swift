import SystemPackage
import Quiver
import QuiverTestSupport
import Synchronization
import Testing

@Suite struct CacheTests {
    @Test func persistentCachesSurviveRestartsAndMemoryOnlyOnesDoNot() throws {
        let clock = ManualWallClock()
        try withTemporaryDirectory { dir in
            do {
                let database = try Database.open(at: dir.string, configuration: testConfiguration(clock))
                let durable = try database.createCache("durable")
                let volatile = try database.createCache("volatile", configuration: CacheConfiguration(persistent: false))
                try durable.set([1], forKey: "a")
                try durable.set([2], forKey: "b", ttl: .seconds(10))
                try durable.set([3], forKey: "c")
                try durable.remove("c")
                try volatile.set([4], forKey: "a")
                try database.close()
            }
            clock.advance(milliseconds: 11_000)
            let database = try Database.open(at: dir.string, configuration: testConfiguration(clock))
            let durable = try database.cache("durable")
            #expect(durable.get("a") == [1])
            #expect(durable.get("b") == nil, "expired while closed")
            #expect(durable.get("c") == nil)
            #expect(throws: QuiverError.self) { _ = try database.cache("volatile") }
            try database.close()
        }
    }

    @Test func aRunOfSetsInOneIntentMatchesSetsOneByOne() throws {
        let clock = ManualWallClock()
        try withTemporaryDirectory { dir in
            do {
                let database = try Database.open(at: dir.string, configuration: testConfiguration(clock))
                let run = try database.createCache("run", configuration: CacheConfiguration(defaultTTL: .seconds(60), maxEntries: 3))
                let single = try database.createCache("single", configuration: CacheConfiguration(defaultTTL: .seconds(60), maxEntries: 3))
                let entries: [(key: Key, value: [UInt8])] = [("a", [1]), ("b", [2]), ("a", [3]), ("c", [4]), ("d", [5])]
                try database.write { batch in
                    batch.set(entries, inCache: "run")
                    batch.set([], inCache: "run")
                    for entry in entries { batch.set(entry.value, forKey: entry.key, inCache: "single") }
                }
                for key: Key in ["a", "b", "c", "d"] {
                    #expect(run.get(key) == single.get(key), "\(key)")
                    #expect(run.peek(key)?.deadline == single.peek(key)?.deadline)
                }
                #expect(run.get("a") == [3] && run.peek("a")?.deadline == clock.now.load(ordering: .relaxed) + 60_000)
                #expect(run.statistics.entries == 3 && run.statistics.evictions == single.statistics.evictions)
                #expect { try database.write { $0.set([("x", [1])], inCache: "missing") } } throws: {
                    ($0 as? QuiverError)?.code == .notFound
                }
                try database.close()
            }
            let database = try Database.open(at: dir.string, configuration: testConfiguration(clock))
            let run = try database.cache("run")
            let single = try database.cache("single")
            for key: Key in ["a", "b", "c", "d"] { #expect(run.get(key) == single.get(key), "after a restart: \(key)") }
            clock.advance(milliseconds: 61_000)
            #expect(run.get("a") == nil, "the run's entries took the table's default TTL")
            try database.close()
        }
    }

    @Test func boundsEvictAndEvictedEntriesDoNotComeBackAfterARestart() throws {
        try withTemporaryDirectory { dir in
            do {
                let database = try Database.open(at: dir.string, configuration: testConfiguration())
                let cache = try database.createCache("small", configuration: CacheConfiguration(maxEntries: 10))
                for i in 0..<50 { try cache.set([UInt8(i)], forKey: Key("k\(i)")) }
                #expect(cache.statistics.entries == 10)
                #expect(cache.statistics.evictions == 40)
                try database.close()
            }
            let database = try Database.open(at: dir.string, configuration: testConfiguration())
            let cache = try database.cache("small")
            #expect(cache.statistics.entries == 10)
            #expect((0..<40).allSatisfy { cache.peek(Key("k\($0)")) == nil })
            #expect(cache.get("k49") == [49])
            try database.close()
        }
    }

    /// The byte bound of a table made through the database: keys and values counted, the
    /// oldest unreferenced entries evicted, a value over the bound alone never served (not even
    /// the key's old value), and the same after a restart.
    @Test func byteBoundsHoldThroughTheDatabase() throws {
        try withTemporaryDirectory { dir in
            let bound = CacheConfiguration(maxEntries: 1000, maxBytes: 4096)
            var kept: [String] = []
            do {
                let database = try Database.open(at: dir.string, configuration: testConfiguration())
                let cache = try database.createCache("bytes", configuration: bound)
                for i in 0..<100 { try cache.set([UInt8](repeating: UInt8(i), count: 198), forKey: Key("k\(i)")) }
                let statistics = cache.statistics
                #expect(statistics.bytes <= 4096 && statistics.bytes > 4096 - 201, "\(statistics.bytes)")
                #expect(statistics.entries == statistics.bytes / 201, "every entry counts its key and value")
                #expect(statistics.evictions == 100 - statistics.entries)
                #expect(cache.get("k99") == [UInt8](repeating: 99, count: 198))
                try cache.set([1], forKey: "k99")
                try cache.set([UInt8](repeating: 0, count: 5000), forKey: "k99")
                #expect(cache.get("k99") == nil, "a value over the bound replaces the old one and is not kept")
                try cache.set([UInt8](repeating: 0, count: 5000), forKey: "huge")
                #expect(cache.get("huge") == nil)
                #expect(cache.statistics.bytes <= 4096)
                kept = cache.keys().map { String(decoding: $0.bytes, as: UTF8.self) }.sorted()
                try database.close()
            }
            let database = try Database.open(at: dir.string, configuration: testConfiguration())
            let cache = try database.cache("bytes")
            #expect(cache.configuration.maxBytes == 4096)
            #expect(cache.statistics.bytes <= 4096)
            #expect(cache.keys().map { String(decoding: $0.bytes, as: UTF8.self) }.sorted() == kept)
            #expect(cache.get("k99") == nil && cache.get("huge") == nil)
            try database.close()
        }
    }

    /// With background maintenance on, expired entries leave memory without a call to
    /// `purgeExpiredCacheEntries()`; live ones stay.
    @Test func theBackgroundSweepReclaimsExpiredEntries() throws {
        let clock = ManualWallClock()
        var configuration = testConfiguration(clock)
        configuration.backgroundMaintenance = true
        configuration.cacheSweepInterval = .milliseconds(5)
        configuration.durability = .none
        try withDatabase(configuration) { database, _ in
            let cache = try database.createCache("c", configuration: CacheConfiguration(defaultTTL: .seconds(10)))
            let volatile = try database.createCache("v", configuration: CacheConfiguration(defaultTTL: .seconds(10), persistent: false))
            for i in 0..<100 {
                try cache.set([UInt8](repeating: 1, count: 100), forKey: Key("k\(i)"))
                try volatile.set([UInt8](repeating: 1, count: 100), forKey: Key("k\(i)"))
            }
            try cache.set([2], forKey: "live", ttl: .seconds(3600))
            #expect(cache.statistics.entries == 101 && cache.statistics.bytes > 10_000)
            clock.advance(milliseconds: 10_000)
            #expect(waitUntil { cache.statistics.entries == 1 && volatile.statistics.entries == 0 }, "\(cache.statistics)")
            #expect(cache.statistics.bytes == 4 + 1 && volatile.statistics.bytes == 0)
            #expect(cache.statistics.expirations == 100 && cache.statistics.hits == 0, "no reader touched them")
            #expect(cache.get("live") == [2])
        }
    }

    @Test func expiryIsExactAndCountersCount() throws {
        let clock = ManualWallClock()
        try withDatabase(testConfiguration(clock)) { database, _ in
            let cache = try database.createCache("c", configuration: CacheConfiguration(defaultTTL: .milliseconds(100)))
            try cache.set([1], forKey: "a")
            #expect(cache.get("a") == [1])
            clock.advance(milliseconds: 100)
            #expect(cache.get("a") == nil)
            #expect(cache.get("b") == nil)
            let statistics = cache.statistics
            #expect(statistics.hits == 1 && statistics.misses == 2 && statistics.expirations == 1)
        }
    }

    @Test func getOrComputeLoadsOnceForConcurrentCallers() async throws {
        let database = try Database.inMemory(configuration: testConfiguration())
        let cache = try await database.createCache("c")
        final class Counter: Sendable { let value = Atomic<Int>(0) }
        let loads = Counter()
        try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await cache.getOrCompute("slow") {
                        loads.value.wrappingAdd(1, ordering: .relaxed)
                        try await Task.sleep(for: .milliseconds(50))
                        return [42]
                    }
                }
            }
            for try await value in group { #expect(value == [42]) }
        }
        #expect(loads.value.load(ordering: .relaxed) == 1)
        #expect(cache.get("slow") == [42])
        try database.close()
    }
}

@Suite struct CacheClockTests {
    /// T14: deadlines are absolute wall-clock times; a clock that jumps back never expires an entry
    /// early, one that jumps forward past the deadline expires it, and a restart keeps the rest.
    @Test func wallClockJumpsMoveExpiryAsTheyShould() throws {
        let clock = ManualWallClock()
        try withTemporaryDirectory { dir in
            do {
                let database = try Database.open(at: dir.string, configuration: testConfiguration(clock))
                let cache = try database.createCache("c")
                try cache.set([1], forKey: "a", ttl: .seconds(3600))
                try cache.set([2], forKey: "b", ttl: .seconds(60))
                try cache.set([3], forKey: "c", ttl: .seconds(60))  // never read: the sweep reclaims it
                clock.advance(milliseconds: -3_600_000)  // an hour back
                #expect(cache.get("a") == [1] && cache.get("b") == [2])
                clock.advance(milliseconds: 3_600_000 + 61_000)  // back, then past b's deadline
                #expect(cache.get("a") == [1] && cache.get("b") == nil)
                #expect(database.purgeExpiredCacheEntries() == 1, "c")
                #expect(cache.statistics.entries == 1)
                try database.close()
            }
            let database = try Database.open(at: dir.string, configuration: testConfiguration(clock))
            let cache = try database.cache("c")
            #expect(cache.get("b") == nil, "no resurrection after a restart")
            let remaining = try #require(cache.peek("a")).deadline - clock.now.load(ordering: .relaxed)
            #expect(remaining > 0 && remaining <= 3_600_000 - 61_000)
            try database.close()
        }
    }
}
