internal import Quiver
internal import QuiverIndex

/// What `CONFIG RESETSTAT` zeroes, kept as a baseline: `INFO` prints the server's counters
/// (``ServerStatistics``, the strings' hit and miss counts) minus the figures taken at the last
/// reset, while the counters themselves keep counting, so that the metrics endpoint's counters
/// stay monotonic as Prometheus requires.
struct StatisticsBaseline: Sendable {
    /// ``ServerStatistics/connectionsReceived`` at the reset.
    var connectionsReceived = 0
    /// ``ServerStatistics/rejectedConnections`` at the reset.
    var rejectedConnections = 0
    /// ``ServerStatistics/perCommand`` at the reset.
    var perCommand: [String: (calls: Int, microseconds: Int)] = [:]
    /// The strings' hits at the reset.
    var keyspaceHits = 0
    /// The strings' misses at the reset.
    var keyspaceMisses = 0
    /// The strings' expirations at the reset.
    var expiredKeys = 0

    /// The baseline of each daemon that was reset, by its run id (unique per ``Daemon``).
    private static let baselines = Locked<[String: StatisticsBaseline]>([:])

    /// The baseline of `daemon`: zeros until its first `CONFIG RESETSTAT`.
    static func of(_ daemon: Daemon) -> StatisticsBaseline {
        baselines.withLock { $0[daemon.runID] } ?? StatisticsBaseline()
    }

    /// Takes `daemon`'s figures now as its baseline (`CONFIG RESETSTAT`).
    static func reset(_ daemon: Daemon) {
        let strings = stringFigures(daemon)
        let baseline = StatisticsBaseline(
            connectionsReceived: daemon.statistics.connectionsReceived,
            rejectedConnections: daemon.statistics.rejectedConnections, perCommand: daemon.statistics.perCommand,
            keyspaceHits: strings.hits, keyspaceMisses: strings.misses, expiredKeys: strings.expired)
        baselines.withLock { $0[daemon.runID] = baseline }
    }

    /// The hits, misses and expirations of the strings of every logical database, since they
    /// were loaded.
    static func stringFigures(_ daemon: Daemon) -> (hits: Int, misses: Int, expired: Int) {
        var figures = (hits: 0, misses: 0, expired: 0)
        let database = daemon.database
        for keyspace in daemon.keyspaces {
            guard let table = keyspace.existingStrings(in: database)?.statistics else { continue }
            figures.hits += table.hits
            figures.misses += table.misses
            figures.expired += table.expirations
        }
        return figures
    }

    /// Calls and microseconds by command since the baseline, for commands called since.
    func commands(of daemon: Daemon) -> [String: (calls: Int, microseconds: Int)] {
        var out: [String: (calls: Int, microseconds: Int)] = [:]
        for (name, figures) in daemon.statistics.perCommand {
            let before = perCommand[name] ?? (0, 0)
            let calls = figures.calls - before.calls
            if calls > 0 { out[name] = (calls, max(0, figures.microseconds - before.microseconds)) }
        }
        return out
    }
}
