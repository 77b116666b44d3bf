import SystemPackage
import Quiver
import QuiverTestSupport
import Synchronization
import Testing

/// A wall clock tests move by hand.
final class ManualWallClock: Sendable {
    let now = Atomic<Int64>(1_750_000_000_000)
    var source: @Sendable () -> Int64 { { [self] in now.load(ordering: .relaxed) } }
    func advance(milliseconds: Int64) { now.wrappingAdd(milliseconds, ordering: .relaxed) }
}

/// A configuration for tests: no background work, the given clock.
func testConfiguration(_ clock: ManualWallClock = ManualWallClock()) -> DatabaseConfiguration {
    var configuration = DatabaseConfiguration()
    configuration.backgroundMaintenance = false
    configuration.wallClock = clock.source
    return configuration
}

/// Runs `body` with a database in a fresh temporary directory, closed afterwards.
func withDatabase(_ configuration: DatabaseConfiguration = testConfiguration(), _ body: (Database, String) throws -> Void) throws {
    try withTemporaryDirectory { dir in
        let database = try Database.open(at: dir.string, configuration: configuration)
        try body(database, dir.string)
        try? database.close()
    }
}

/// A seeded vector of `dimension` components.
func randomVector(_ dimension: Int, _ random: inout SeededGenerator) -> [Float] {
    (0..<dimension).map { _ in Float.random(in: -1...1, using: &random) }
}
