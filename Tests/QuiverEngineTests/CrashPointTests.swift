import QuiverEngine
import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

/// Exhaustive crash-point enumeration for the storage engine on SimFS (reliability spec T2).
///
/// Each workload runs once to count its mutating I/O calls, then once per cut point k (the file
/// system dies after its k-th mutating call), and every cut is turned into crash images:
/// synced-only (power loss), everything issued (process crash) and two seeded random mixes of
/// kept, dropped and torn unsynced writes. Recovery from each image must succeed without help and
/// give the state after a prefix of the writes that holds every acknowledged one (durability
/// `always`); recovering a second time (after the first recovery itself "crashed") and once more
/// after a clean close must give the same state.
@Suite struct CrashPointTests {
    enum Step: Sendable {
        case write([WriteBatch.Operation])
        case flush
        case compact
        case backup
    }

    struct Workload: Sendable, CustomStringConvertible {
        var name: String
        var steps: [Step]
        var description: String { name }

        /// Every key the workload writes.
        var universe: [String] {
            var keys: Set<String> = []
            for case .write(let operations) in steps {
                for operation in operations {
                    switch operation {
                    case .upsert(_, let key, _, _), .delete(_, let key): keys.insert(key.description)
                    default: break
                    }
                }
            }
            return keys.sorted()
        }
    }

    static let directory: FilePath = "/db"
    static let backupDirectory: FilePath = "/backup"

    static func upsert(_ index: Int, salt: UInt64 = 0, attributeBytes: Int = 16) -> WriteBatch.Operation {
        .upsert(
            collection: "items", key: Key("k\(index)"), vector: workloadVector(index, salt: salt),
            attributes: [UInt8](repeating: UInt8(truncatingIfNeeded: index &+ Int(salt)), count: attributeBytes))
    }

    static func delete(_ index: Int) -> WriteBatch.Operation { .delete(collection: "items", key: Key("k\(index)")) }

    static let create = Step.write([.createCollection(workloadDefinition())])

    static let workloads: [Workload] = [
        Workload(name: "single upsert", steps: [create, .write([upsert(0)])]),
        // About 115 KB in one log record: it spans four 32 KiB blocks.
        Workload(
            name: "100-upsert batch", steps: [create, .write((0..<100).map { upsert($0, attributeBytes: 1100) })]),
        Workload(
            name: "flush",
            steps: [create, .write((0..<30).map { upsert($0) }), .write([delete(3)]), .flush, .write([upsert(30)])]),
        Workload(
            name: "2 flushes + compaction",
            steps: [
                create, .write((0..<30).map { upsert($0) }), .flush,
                .write((30..<60).map { upsert($0) } + [delete(1), upsert(2, salt: 1)]), .flush, .compact,
                .write([upsert(60)]),
            ]),
        Workload(
            name: "backup",
            steps: [
                create, .write((0..<30).map { upsert($0) }), .flush, .write((30..<40).map { upsert($0) }), .backup,
                .write([upsert(40)]),
            ]),
    ]

    /// What a run of a workload did before it finished or the file system died.
    struct Outcome {
        /// `states[i]`: the state after the first `i` writes.
        var states = [RecoveredState()]
        var acknowledged = 0
        var attempted = 0
        /// The state a returned backup holds.
        var backupState: RecoveredState?
        var completed = false

        /// The states a recovery may show: every acknowledged write, plus perhaps the one in flight.
        var allowed: [RecoveredState] { Array(states[acknowledged...attempted]) }
    }

    static func batch(_ operations: [WriteBatch.Operation]) -> WriteBatch {
        var batch = WriteBatch()
        for operation in operations { batch.append(operation) }
        return batch
    }

    static func run(_ workload: Workload, on fs: SimFS) -> Outcome {
        var outcome = Outcome()
        guard let engine = try? StorageEngine.open(directory: directory, options: .crashTest(fileIO: fs)) else {
            return outcome
        }
        for step in workload.steps {
            do {
                switch step {
                case .write(let operations):
                    outcome.attempted += 1
                    outcome.states.append(outcome.states.last!.applying(operations))
                    try engine.write(batch(operations))
                    outcome.acknowledged += 1
                case .flush: try engine.flush()
                case .compact: try engine.compact("items")
                case .backup:
                    try engine.backup(to: backupDirectory)
                    outcome.backupState = outcome.states[outcome.acknowledged]
                }
            } catch {
                return outcome
            }
        }
        outcome.completed = true
        return outcome
    }

    /// Recovers `image` three times (after the first "crashes" again, and after a clean close),
    /// checking each state; returns the number of recoveries.
    static func check(_ image: SimFS, _ outcome: Outcome, universe: [String], label: String) -> Int {
        let first: RecoveredState
        do {
            let engine = try StorageEngine.open(directory: directory, options: .crashTest(fileIO: image))
            first = try RecoveredState.read(engine, collection: "items", universe: universe)
            try engine.abandonForTesting()
        } catch {
            Issue.record("\(label): recovery failed: \(error)")
            return 1
        }
        #expect(
            outcome.allowed.contains(first),
            "\(label): recovered \(first), allowed \(outcome.allowed) (\(outcome.acknowledged) acknowledged)")
        do {
            let engine = try StorageEngine.open(directory: directory, options: .crashTest(fileIO: image))
            let second = try RecoveredState.read(engine, collection: "items", universe: universe, searchSample: 0)
            #expect(second == first, "\(label): the second recovery differs: \(second) vs \(first)")
            try engine.close()
            let third = try StorageEngine.open(directory: directory, options: .crashTest(fileIO: image))
            let after = try RecoveredState.read(third, collection: "items", universe: universe, searchSample: 0)
            #expect(after == first, "\(label): the state after a clean close differs: \(after) vs \(first)")
            try third.close()
        } catch {
            Issue.record("\(label): second recovery failed: \(error)")
        }
        if let backupState = outcome.backupState {
            checkBackup(image, expected: backupState, universe: universe, label: label)
        }
        return 3
    }

    /// A backup that returned must open to the state at its backup point from every image.
    static func checkBackup(_ image: SimFS, expected: RecoveredState, universe: [String], label: String) {
        // The backup's directory entry in its parent must be durable too (it was not at first).
        guard (try? image.contentsOfDirectory("/").contains("backup")) == true else {
            Issue.record("\(label): the backup directory did not survive")
            return
        }
        do {
            let engine = try StorageEngine.open(directory: backupDirectory, options: .crashTest(fileIO: image))
            let state = try RecoveredState.read(engine, collection: "items", universe: universe)
            #expect(state == expected, "\(label): the backup opened to \(state), expected \(expected)")
            try engine.close()
        } catch {
            Issue.record("\(label): opening the backup failed: \(error)")
        }
    }

    @Test(arguments: workloads)
    func everyCrashPointRecoversAPrefixWithEveryAcknowledgedWrite(_ workload: Workload) throws {
        let dry = freshDataDirectoryFS()
        let base = dry.mutationCount
        let full = Self.run(workload, on: dry)
        try #require(full.completed && full.acknowledged == full.attempted, "the workload fails without a crash")
        let total = dry.mutationCount - base
        let universe = workload.universe
        var recoveries = 0
        for k in 0...total {
            let fs = freshDataDirectoryFS()
            fs.crash(afterMutations: base + k)
            let outcome = Self.run(workload, on: fs)
            let images: [(String, SimFS)] = [
                ("syncedOnly", fs.crashImage(policy: .syncedOnly)),
                ("allIssued", fs.crashImage(policy: .allIssued)),
                ("random \(2 * k)", fs.crashImage(policy: .random, seed: UInt64(2 * k))),
                ("random \(2 * k + 1)", fs.crashImage(policy: .random, seed: UInt64(2 * k + 1))),
            ]
            for (name, image) in images {
                recoveries += Self.check(
                    image, outcome, universe: universe, label: "\(workload) cut after op \(k)/\(total), \(name)")
            }
        }
        print("CrashPointTests: \(workload): \(total + 1) cut points, \(recoveries) recoveries")
    }
}
