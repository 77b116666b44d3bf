import QuiverEngine
import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real `kill -9` loop (reliability spec T3): `quiver-crash-child` writes to a data directory
/// from two threads and is killed with `SIGKILL` after a random 50-600 ms (in some iterations by
/// one of its own kill points first); the directory is then reopened in this process and checked
/// against what the child reported before it died:
/// - every acknowledged upsert, delete and batch is there: each key holds the version of its last
///   acknowledged write (by sequence number) or of a write that was in flight when it died;
/// - no batch is half visible;
/// - each sampled live key is its own nearest neighbour (recall at least 0.95 on 100 samples).
/// Then the directory is closed and the next child starts on it. 200 iterations by default;
/// `QUIVER_CRASH_ITERATIONS` sets another count (the nightly and soak runs), `QUIVER_CRASH_SEED`
/// another seed. Unlike the other tests this one runs on the wall clock: a real process has to
/// be given real time before it is killed. It prints a summary (kills during recovery, flush and
/// compaction, kill-point sites that fired, writes checked).
@Suite struct CrashLoopTests {
    /// One write the child reported.
    struct ChildWrite: CustomStringConvertible {
        var op: String
        var keys: [Int]
        var version: UInt64
        /// The version the write leaves in its keys (`nil`: deleted).
        var result: UInt64? { op == "delete" ? nil : version }
        var description: String { "\(op) \(keys.map(CrashWorkload.key)) v\(version)" }
    }

    /// What the child's standard output says happened.
    struct ChildReport {
        var ready = false
        var acknowledged: [(sequence: UInt64, write: ChildWrite)] = []
        /// The write each thread had started and not seen acknowledged.
        var pending: [Int: ChildWrite] = [:]
        var failures: [String] = []
        var maxVersion: UInt64 = 0

        init(_ text: String) {
            // A line cut by the kill has no newline: ignore it.
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            lines.removeLast()
            for line in lines {
                let tokens = line.split(separator: " ").map(String.init)
                switch tokens.first {
                case "ready": ready = true
                case "pending":
                    guard tokens.count >= 5, let thread = Int(tokens[1]), let write = Self.write(tokens[2...]) else {
                        failures.append("unreadable line: \(line)")
                        continue
                    }
                    pending[thread] = write
                    maxVersion = max(maxVersion, write.version)
                case "ack":
                    guard tokens.count >= 5, let sequence = UInt64(tokens[1]), let write = Self.write(tokens[2...])
                    else {
                        failures.append("unreadable line: \(line)")
                        continue
                    }
                    acknowledged.append((sequence, write))
                    let thread = Int(write.version % UInt64(CrashWorkload.threads))
                    if pending[thread]?.version == write.version { pending[thread] = nil }
                case "fail": failures.append(String(line))
                default: break
                }
            }
        }

        /// `op key... version`.
        static func write(_ tokens: ArraySlice<String>) -> ChildWrite? {
            guard let op = tokens.first, let version = tokens.last.flatMap(UInt64.init) else { return nil }
            var keys: [Int] = []
            for token in tokens.dropFirst().dropLast() {
                guard token.first == "k", let key = Int(token.dropFirst()) else { return nil }
                keys.append(key)
            }
            return keys.isEmpty ? nil : ChildWrite(op: op, keys: keys, version: version)
        }
    }

    /// What the kill-point trace on the child's standard error says it was doing when it died.
    struct ChildTrace {
        var firedKillPoint: String?
        var inFlush = false
        var inCompaction = false

        init(_ text: String) {
            for line in text.split(separator: "\n") {
                if line.hasPrefix("killpoint fired ") {
                    firedKillPoint = String(line.dropFirst("killpoint fired ".count))
                    continue
                }
                switch line {
                case "killpoint engine.flush.afterFreeze": inFlush = true
                case "killpoint engine.flush.afterWALDelete": inFlush = false
                case "killpoint engine.compaction.begin": inCompaction = true
                case "killpoint engine.compaction.afterInstall": inCompaction = false
                default: break
                }
            }
        }
    }

    struct Summary: CustomStringConvertible {
        var iterations = 0
        var killedDuringRecovery = 0
        var killedDuringFlush = 0
        var killedDuringCompaction = 0
        var killPointKills: [String: Int] = [:]
        var acknowledgedWrites = 0
        var inFlightWrites = 0
        var keysChecked = 0
        var worstRecall = 1.0
        var maxSegments = 0
        var compactionsHere = 0

        var description: String {
            let sites = killPointKills.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
            return """
                CrashLoopTests: \(iterations) iterations; killed during recovery \(killedDuringRecovery), \
                during flush \(killedDuringFlush), during compaction \(killedDuringCompaction); \
                \(killPointKills.values.reduce(0, +)) by kill points [\(sites)]; \
                \(acknowledgedWrites) acknowledged writes and \(inFlightWrites) in-flight writes checked, \
                \(keysChecked) key states compared; worst recall \(worstRecall); at most \(maxSegments) segments, \
                \(compactionsHere) compactions finished by the test
                """
        }
    }

    // MARK: The child process

    /// `quiver-crash-child` beside this test binary (or `QUIVER_CRASH_CHILD`).
    static func childExecutable() -> String? {
        if let path = environment("QUIVER_CRASH_CHILD") { return path }
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        var directory = FilePath(String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        for _ in 0..<4 {
            directory.removeLastComponent()
            let candidate = directory.appending("quiver-crash-child").string
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    /// Starts `path arguments` with standard output and error going to files; returns its pid.
    static func spawn(
        _ path: String, _ arguments: [String], extraEnvironment: [String: String], stdout: String, stderr: String
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
        var variables: [String] = []
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            if !text.hasPrefix("QUIVER_KILL_POINT_") && !text.hasPrefix("SWIFT_BACKTRACE=") { variables.append(text) }
            index += 1
        }
        // A killed child must not leave the runtime's backtracer behind (reliability spec §8.5).
        variables.append("SWIFT_BACKTRACE=enable=no")
        variables += extraEnvironment.map { "\($0.key)=\($0.value)" }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        let status = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard status == 0 else { throw EngineError(.io, "posix_spawn \(path) failed: errno \(status)") }
        return pid
    }

    /// Lets `pid` run for `microseconds` (less if it dies first), then kills it with `SIGKILL`
    /// and reaps it; returns how it ended.
    static func killAndReap(_ pid: pid_t, after microseconds: UInt32) -> (signal: Int32, exitCode: Int32) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .microseconds(microseconds))
        var status: Int32 = 0
        var reaped = false
        while !reaped && clock.now < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                reaped = true
            } else {
                usleep(2_000)
            }
        }
        if !reaped {
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        return (status & 0x7F, (status >> 8) & 0xFF)
    }

    static func text(of path: FilePath) -> String {
        String(decoding: (try? PosixFileIO().readContents(of: path)) ?? [], as: UTF8.self)
    }

    static func engineOptions() -> EngineOptions {
        var options = EngineOptions()
        options.backgroundMaintenance = false
        options.flushThresholdBytes = 16 << 10
        options.compactionTrigger = 3
        return options
    }

    // MARK: The loop

    @Test func killedWritersLoseNoAcknowledgedWriteAndNeverShowAPartialBatch() throws {
        let iterations = Self.environment("QUIVER_CRASH_ITERATIONS").flatMap(Int.init) ?? 200
        let child = try #require(
            Self.childExecutable(),
            "quiver-crash-child is not beside the test binary: run `swift build --product quiver-crash-child`")
        var random = SeededGenerator(seed: Self.environment("QUIVER_CRASH_SEED").flatMap(UInt64.init) ?? 0x5EED)
        var summary = Summary()
        let clock = ContinuousClock()
        let started = clock.now
        try withTemporaryDirectory { root in
            let directory = root.appending("db")
            let stdout = root.appending("child.out")
            let stderr = root.appending("child.err")
            do {
                let engine = try StorageEngine.open(directory: directory, options: Self.engineOptions())
                var definition = CollectionDefinition(
                    name: CrashWorkload.collection, dimension: CrashWorkload.dimension, metric: .l2)
                definition.index.m = 8
                definition.index.efConstruction = 64
                try engine.createCollection(definition)
                try engine.close()
            }
            /// Each key's version (absent: no row) after the last recovery.
            var baseline: [Int: UInt64] = [:]
            var nextVersion: UInt64 = 2
            var lastSequence: UInt64 = 0
            for iteration in 0..<iterations {
                var environment = ["QUIVER_KILL_POINT_TRACE": "1"]
                switch iteration % 4 {
                case 2:
                    // Any site: about every 0.4 s at the log's pace (four hits per write).
                    environment["QUIVER_KILL_POINT_ODDS"] = "400"
                case 3:
                    // Only the rarely hit sites of flushes, compactions, segments and the manifest.
                    environment["QUIVER_KILL_POINT_ODDS"] = "4"
                    environment["QUIVER_KILL_POINT_SITES"] = "engine.,segment.,manifest."
                default: break
                }
                let seed = random.next()
                let pid = try Self.spawn(
                    child, [directory.string, "\(nextVersion)", "\(seed)"], extraEnvironment: environment,
                    stdout: stdout.string, stderr: stderr.string)
                // Kill-point iterations may live longer: their kill usually comes from inside, and
                // a debug-build compaction of 2,000 rows takes about 0.6 s, so their sites inside a
                // compaction's install are only reached by a longer life.
                let life: ClosedRange<UInt32> =
                    environment["QUIVER_KILL_POINT_ODDS"] == nil ? 50_000...600_000 : 50_000...1_500_000
                let ended = Self.killAndReap(pid, after: UInt32.random(in: life, using: &random))
                let report = ChildReport(Self.text(of: stdout))
                let trace = ChildTrace(Self.text(of: stderr))
                let label = "iteration \(iteration)"
                guard report.failures.isEmpty, ended.signal == SIGKILL else {
                    Issue.record(
                        "\(label): the child ended with signal \(ended.signal), exit \(ended.exitCode): \(report.failures)\n\(Self.text(of: stderr).suffix(2000))"
                    )
                    return
                }
                summary.iterations += 1
                if !report.ready { summary.killedDuringRecovery += 1 }
                if trace.inFlush { summary.killedDuringFlush += 1 }
                if trace.inCompaction { summary.killedDuringCompaction += 1 }
                if let site = trace.firedKillPoint { summary.killPointKills[site, default: 0] += 1 }
                nextVersion = max(nextVersion, report.maxVersion + 2)

                let engine = try StorageEngine.open(directory: directory, options: Self.engineOptions())
                var problems: [String] = []
                let observed = try Self.check(
                    engine, report, baseline: baseline, lastSequence: lastSequence, summary: &summary,
                    problems: &problems)
                lastSequence = engine.lastSequence
                baseline = observed
                let segments = try engine.segmentCount(in: CrashWorkload.collection)
                summary.maxSegments = max(summary.maxSegments, segments)
                // Children are killed inside most of their compactions (they take longer than a
                // child lives): finishing one here keeps the directory from growing without bound.
                if segments >= 4 {
                    try engine.compact(CrashWorkload.collection)
                    summary.compactionsHere += 1
                }
                try engine.close()
                guard problems.isEmpty else {
                    Issue.record(
                        "\(label) (\(trace.firedKillPoint.map { "kill point \($0)" } ?? "SIGKILL")): \(problems.count) problems:\n\(problems.prefix(10).joined(separator: "\n"))"
                    )
                    return
                }
            }
        }
        let elapsed = started.duration(to: clock.now)
        print("\(summary); \(elapsed)")
    }

    /// Checks the reopened `engine` against `report`; returns each key's version.
    static func check(
        _ engine: StorageEngine, _ report: ChildReport, baseline: [Int: UInt64], lastSequence: UInt64,
        summary: inout Summary, problems: inout [String]
    ) throws -> [Int: UInt64] {
        let collection = CrashWorkload.collection
        // The last acknowledged write of each key, by sequence number.
        var last: [Int: (sequence: UInt64, version: UInt64?)] = [:]
        for (sequence, write) in report.acknowledged.sorted(by: { $0.sequence < $1.sequence }) {
            if sequence <= lastSequence {
                problems.append("acknowledged sequence \(sequence) is not after the recovered \(lastSequence)")
            }
            for key in write.keys { last[key] = (sequence, write.result) }
        }
        if let maxAcknowledged = report.acknowledged.map(\.sequence).max() {
            if engine.lastSequence < maxAcknowledged {
                problems.append("the log ends at \(engine.lastSequence), before acknowledged \(maxAcknowledged)")
            }
        }
        summary.acknowledgedWrites += report.acknowledged.count
        summary.inFlightWrites += report.pending.count

        var observed: [Int: UInt64] = [:]
        for key in 0..<CrashWorkload.keySpace {
            guard let stored = try engine.get(CrashWorkload.key(key), in: collection) else { continue }
            guard let version = CrashWorkload.version(fromAttributes: stored.attributes) else {
                problems.append("k\(key) has unreadable attributes \(stored.attributes ?? [])")
                continue
            }
            if stored.vector != CrashWorkload.vector(key: key, version: version) {
                problems.append("k\(key) v\(version) has another vector")
            }
            observed[key] = version
        }
        // The record table moves with the collection, batch by batch.
        if engine.tableNames.contains(CrashWorkload.table) {
            for key in 0..<CrashWorkload.keySpace {
                let record = try engine.record(Key(CrashWorkload.key(key)), in: CrashWorkload.table)
                let recordVersion = CrashWorkload.version(fromAttributes: record?.value)
                if recordVersion != observed[key] {
                    problems.append("k\(key): the record says \(recordVersion.map { "v\($0)" } ?? "absent"), the vector \(observed[key].map { "v\($0)" } ?? "absent")")
                }
            }
        }
        let count = try engine.count(in: collection)
        if count != observed.count { problems.append("the live count is \(count), \(observed.count) keys are live") }
        summary.keysChecked += CrashWorkload.keySpace

        // Every key: its last acknowledged state, or that of a write in flight.
        for key in 0..<CrashWorkload.keySpace {
            var allowed: Set<UInt64?> = [last[key].map(\.version) ?? baseline[key]]
            for write in report.pending.values where write.keys.contains(key) { allowed.insert(write.result) }
            let actual = observed[key]
            if !allowed.contains(actual) {
                problems.append(
                    "k\(key) is \(actual.map { "v\($0)" } ?? "absent"), allowed \(allowed.map { $0.map { "v\($0)" } ?? "absent" }); last acknowledged \(String(describing: last[key])), in flight \(report.pending.values.filter { $0.keys.contains(key) })"
                )
            }
        }
        // An in-flight batch is all there or not there: keys it did not set must have been
        // overwritten by a later write (acknowledged after the batch, or the other thread's).
        for write in report.pending.values where write.op == "batch" {
            let applied = write.keys.filter { observed[$0] == write.version }
            guard !applied.isEmpty, applied.count < write.keys.count else { continue }
            let after = applied.map { last[$0]?.sequence ?? 0 }.max() ?? 0
            for key in write.keys where observed[key] != write.version {
                let laterAcknowledged = last[key].map { $0.sequence > after && $0.version == observed[key] } ?? false
                let otherInFlight = report.pending.values.contains {
                    $0.version != write.version && $0.keys.contains(key) && $0.result == observed[key]
                }
                if !laterAcknowledged && !otherInFlight {
                    problems.append("batch \(write) is partly visible: \(applied.count) of \(write.keys.count) keys")
                }
            }
        }
        // Search: each sampled live key is its own nearest neighbour, at ef 128 so that search
        // width is not what fails. Known index bug (reported): delete-and-insert churn leaves 1-2%
        // of live nodes unreachable from the entry point (not found even at ef 3000), and the
        // compactions here reuse the largest graph 20+ times, so a few misses per 100 do happen.
        var sample = observed.keys.sorted()
        var random = SeededGenerator(seed: UInt64(sample.count) &+ lastSequence)
        sample.shuffle(using: &random)
        sample = Array(sample.prefix(100))
        if !sample.isEmpty {
            var misses: [String] = []
            for key in sample {
                let query = CrashWorkload.vector(key: key, version: observed[key]!)
                let found = try engine.search(query, k: 1, ef: 128, in: collection).first
                if found?.key != Key(CrashWorkload.key(key)) { misses.append("k\(key)→\(found?.key.description ?? "nothing")") }
            }
            let recall = Double(sample.count - misses.count) / Double(sample.count)
            summary.worstRecall = min(summary.worstRecall, recall)
            if recall < 0.95 {
                problems.append("recall \(recall) on \(sample.count) live keys; missed \(misses.prefix(5))")
            }
        }
        return observed
    }
}
