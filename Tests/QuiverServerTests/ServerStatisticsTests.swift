import Testing

@testable import QuiverServer

@Suite struct ServerStatisticsTests {
    @Test func everyCommandHasASlot() {
        for name in ["get", "set", "ping", "vadd", "vsim"] {
            let slot = ServerStatistics.slot(of: name)
            #expect(ServerStatistics.commandNames[slot] == name)
        }
        #expect(ServerStatistics.commandNames[ServerStatistics.slot(of: "no-such-command")] == "other")
        #expect(Set(ServerStatistics.commandNames).count == ServerStatistics.commandNames.count)
    }

    @Test func recordsCallsTimeAndBuckets() {
        let statistics = ServerStatistics()
        statistics.recordCommand("get", microseconds: 3)
        statistics.recordCommand("get", microseconds: 40)
        statistics.recordCommand(slot: ServerStatistics.slot(of: "get"), nanoseconds: 2_000_000_000)
        statistics.recordCommand(slot: ServerStatistics.slot(of: "set"), nanoseconds: 10_000)
        let get = try! #require(statistics.commands.first { $0.name == "get" })
        #expect(get.calls == 3)
        #expect(get.nanoseconds == 3_000 + 40_000 + 2_000_000_000)
        #expect(get.buckets.count == ServerStatistics.bucketCount)
        #expect(get.buckets[0] == 1)  // ≤ 10 µs
        #expect(get.buckets[2] == 1)  // ≤ 50 µs
        #expect(get.buckets.last == 1)  // > 1 s
        let set = try! #require(statistics.commands.first { $0.name == "set" })
        #expect(set.buckets[0] == 1)  // exactly 10 µs is in the first bucket (le)
        #expect(statistics.commandsProcessed == 4)
        #expect(statistics.perCommand["get"]?.calls == 3)
        #expect(statistics.perCommand["get"]?.microseconds == 2_000_043)
        #expect(statistics.perCommand["ping"] == nil)
    }

    @Test func connections() {
        let statistics = ServerStatistics()
        statistics.connectionReceived()
        statistics.connectionReceived()
        statistics.connectionRejected()
        #expect(statistics.connectionsReceived == 2)
        #expect(statistics.rejectedConnections == 1)
    }

    @Test func concurrentRecordingLosesNothing() async {
        let statistics = ServerStatistics()
        let slot = ServerStatistics.slot(of: "get")
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for i in 0..<10_000 { statistics.recordCommand(slot: slot, nanoseconds: (i + task) % 3 * 1000) }
                }
            }
        }
        #expect(statistics.perCommand["get"]?.calls == 80_000)
        #expect(statistics.commandsProcessed == 80_000)
    }
}
