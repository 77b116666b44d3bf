internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Named places in the storage code where a crash test may kill the process (reliability spec
/// §8.1, RocksDB's whitebox crash test).
///
/// Off unless the environment says otherwise when the process starts (it is read once, at the
/// first hit):
/// - `QUIVER_KILL_POINT_ODDS=N` kills the process with `SIGKILL` with probability 1/N at each hit,
///   after writing `killpoint fired <name>` to standard error;
/// - `QUIVER_KILL_POINT_SITES=p1,p2` limits the kills to sites whose names start with one of the
///   prefixes (so that rarely hit sites, such as a flush's, get their turn);
/// - `QUIVER_KILL_POINT_TRACE=1` writes `killpoint <name>` to standard error at every hit, so a
///   parent learns what the process was doing when it died.
///
/// Names read `component.operation.moment` (`wal.append.afterWrite`). When off, a hit costs one
/// relaxed atomic load, so the sites stay in release builds too (the crash child may be built
/// either way).
package enum KillPoint {
    /// Passes the site `name`: may kill the process when kill points are on.
    @inline(__always)
    package static func hit(_ name: StaticString) {
        let current = killPointState.load(ordering: .relaxed)
        guard current != 0 else { return }
        slowHit(name, current)
    }

    @inline(never)
    private static func slowHit(_ name: StaticString, _ current: Int) {
        let settings = killPointSettings
        if current < 0 { killPointState.store(settings.encoded, ordering: .relaxed) }
        guard settings.encoded != 0 else { return }
        let text = name.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
        if settings.trace { writeLine("killpoint \(text)") }
        guard settings.odds > 0, settings.prefixes.isEmpty || settings.prefixes.contains(where: text.hasPrefix) else {
            return
        }
        guard UInt64.random(in: 0..<UInt64(settings.odds)) == 0 else { return }
        writeLine("killpoint fired \(text)")
        kill(getpid(), SIGKILL)
    }

    /// Writes one line to standard error with a single `write(2)` (no buffering to lose).
    private static func writeLine(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}

/// -1: not read yet; 0: off; otherwise ``KillPointSettings/encoded``.
private let killPointState = Atomic<Int>(-1)

private let killPointSettings = KillPointSettings.fromEnvironment()

private struct KillPointSettings: Sendable {
    var odds = 0
    var trace = false
    var prefixes: [String] = []

    /// Nonzero when kill points do anything.
    var encoded: Int { odds << 1 | (trace ? 1 : 0) }

    static func fromEnvironment() -> KillPointSettings {
        func value(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        var settings = KillPointSettings()
        if let odds = value("QUIVER_KILL_POINT_ODDS").flatMap(Int.init), odds > 0, odds < Int.max >> 1 {
            settings.odds = odds
        }
        settings.trace = value("QUIVER_KILL_POINT_TRACE").map { $0 != "" && $0 != "0" } ?? false
        if let sites = value("QUIVER_KILL_POINT_SITES") {
            settings.prefixes = sites.split(separator: ",").map(String.init)
        }
        return settings
    }
}
