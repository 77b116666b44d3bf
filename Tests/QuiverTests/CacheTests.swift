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
        let cache = try database.createCache("c")
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
