import QuiverStorage
import QuiverTestSupport
import Synchronization
import SystemPackage
import Testing

/// The exhaustive crash loop (reliability T2 for the WAL): every workload is cut after each of its
/// mutating I/O calls in turn, each cut is turned into crash images, and recovery from each image
/// must succeed with a prefix of the issued records that holds every acknowledged one.
@Suite struct WALRecoveryTests {
    static let directory: FilePath = "/db"

    /// A workload: appends (each a list of entries forming one atomic record) and other steps.
    enum Step: Sendable {
        case append([Int])
        case rotate
        case deleteObsolete(UInt64)
        case close
    }

    struct Workload: Sendable, CustomStringConvertible {
        var name: String
        var steps: [Step]
        var description: String { name }
    }

    static let workloads: [Workload] = [
        Workload(name: "single put", steps: [.append([0]), .close]),
        Workload(name: "100-entry batch over 3 blocks", steps: [.append([0]), .append(Array(1...100)), .append([101]), .close]),
        Workload(
            name: "rotation", steps: [.append([0]), .append([1]), .rotate, .append([2]), .append([3, 4]), .rotate,
            .deleteObsolete(2), .append([5]), .close]),
    ]

    /// Entry `index` of a batch: about 1 KiB, so 100 of them span more than three 32 KiB blocks.
    static func entry(_ index: Int) -> [UInt8] {
        var bytes = Array("entry \(index);".utf8)
        bytes += [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 1000)
        return bytes
    }

    static func record(_ entries: [Int]) -> [UInt8] { entries.flatMap(entry) }

    static func configuration(_ durability: WALConfiguration.Durability) -> WALConfiguration {
        var configuration = WALConfiguration()
        configuration.durability = durability
        return configuration
    }

    /// Runs `workload` until it finishes or the file system "dies"; returns the acknowledged records
    /// and the checkpoint in force (a deletion of obsolete files implies its sequence was checkpointed).
    static func run(_ workload: Workload, on fs: SimFS, durability: WALConfiguration.Durability) -> (acknowledged: [[UInt8]], checkpoint: UInt64) {
        var acknowledged: [[UInt8]] = []
        var checkpoint: UInt64 = 0
        guard let wal = try? WAL.open(directory: directory, fileIO: fs, configuration: configuration(durability), clock: ManualClock(), replay: { _ in })
        else { return ([], 0) }
        for step in workload.steps {
            do {
                switch step {
                case .append(let entries):
                    let payload = record(entries)
                    try wal.append(payload)
                    acknowledged.append(payload)
                case .rotate: try wal.rotate()
                case .deleteObsolete(let sequence):
                    checkpoint = sequence
                    try wal.deleteObsolete(upTo: sequence)
                case .close: try wal.close()
                }
            } catch {
                break
            }
        }
        return (acknowledged, checkpoint)
    }

    static func freshFS() -> SimFS {
        let fs = SimFS()
        try! fs.createDirectory(directory)
        try! fs.synchronizeDirectory("/")
        return fs
    }

    /// Recovers from `image` twice (the second after a clean close of the first), checking the invariants.
    static func recover(
        _ image: SimFS, issued allIssued: [[UInt8]], acknowledged allAcknowledged: [[UInt8]], checkpoint: UInt64 = 0,
        mustKeepAcknowledged: Bool, label: String
    ) -> Bool {
        let issued = Array(allIssued.dropFirst(Int(checkpoint)))
        let acknowledged = Array(allAcknowledged.dropFirst(Int(checkpoint)))
        var first: [[UInt8]] = []
        do {
            let wal = try WAL.open(directory: directory, fileIO: image, clock: ManualClock(), checkpoint: checkpoint) {
                first.append($0.payload)
            }
            try wal.close()
        } catch {
            Issue.record("\(label): recovery failed: \(error)")
            return false
        }
        var ok = true
        // Prefix property: what came back is the first n records issued, each whole (batches are atomic).
        if first != Array(issued.prefix(first.count)) {
            Issue.record("\(label): recovered \(first.count) records that are not a prefix of those issued")
            ok = false
        }
        if mustKeepAcknowledged && first.count < acknowledged.count {
            Issue.record("\(label): lost acknowledged records (\(first.count) of \(acknowledged.count) recovered)")
            ok = false
        }
        var second: [[UInt8]] = []
        do {
            _ = try WAL.open(directory: directory, fileIO: image, clock: ManualClock(), checkpoint: checkpoint) {
                second.append($0.payload)
            }
        } catch {
            Issue.record("\(label): second recovery failed: \(error)")
            return false
        }
        if second != first {
            Issue.record("\(label): second recovery gave \(second.count) records, the first \(first.count)")
            ok = false
        }
        return ok
    }

    static let durabilities: [(String, WALConfiguration.Durability)] = [
        ("always", .always), ("interval", .everySecond), ("none", .none),
    ]

    @Test(arguments: workloads, durabilities.indices)
    func crashAtEveryMutation(workload: Workload, durabilityIndex: Int) {
        let (durabilityName, durability) = Self.durabilities[durabilityIndex]
        let issued = workload.steps.compactMap { step -> [UInt8]? in
            if case .append(let entries) = step { return Self.record(entries) }
            return nil
        }
        let reference = Self.freshFS()
        let base = reference.mutationCount
        #expect(Self.run(workload, on: reference, durability: durability).acknowledged == issued)
        let total = reference.mutationCount - base
        var recoveries = 0
        for cut in 0...total {
            let fs = Self.freshFS()
            fs.crash(afterMutations: base + cut)
            let (acknowledged, checkpoint) = Self.run(workload, on: fs, durability: durability)
            var images: [(String, SimFS)] = [("syncedOnly", fs.crashImage(policy: .syncedOnly)), ("allIssued", fs.crashImage(policy: .allIssued))]
            for seed in 1...4 { images.append(("random \(seed)", fs.crashImage(policy: .random, seed: UInt64(seed * 1000 + cut)))) }
            for (policy, image) in images {
                let label = "\(workload.name), \(durabilityName), crash after mutation \(cut) of \(total), \(policy)"
                // Power loss may drop unsynced appends only when they were not promised durable;
                // a process crash (all issued) keeps every acknowledged append in every mode.
                let mustKeep = durability == .always || policy == "allIssued"
                recoveries += 1
                if !Self.recover(
                    image, issued: issued, acknowledged: acknowledged, checkpoint: checkpoint, mustKeepAcknowledged: mustKeep,
                    label: label)
                {
                    return
                }
            }
        }
        #expect(recoveries == 6 * (total + 1))
    }

    @Test func crashDuringRecoveryIsRecoverable() {
        // Compound crash: the image of a crash is itself cut at every mutation of its recovery.
        let fs = Self.freshFS()
        fs.crash(afterMutations: fs.mutationCount + 9)
        let issued = [Self.record([0]), Self.record(Array(1...40)), Self.record([41])]
        let steps: [Step] = [.append([0]), .append(Array(1...40)), .append([41]), .close]
        let acknowledged = Self.run(Workload(name: "compound", steps: steps), on: fs, durability: .always).acknowledged
        let image = fs.crashImage(policy: .random, seed: 5)
        let before = image.mutationCount
        let probe = image.crashImage(policy: .allIssued)
        _ = try? WAL.open(directory: Self.directory, fileIO: probe, clock: ManualClock()) { _ in }
        let recoveryMutations = probe.mutationCount - before
        for cut in 0...recoveryMutations {
            let attempt = image.crashImage(policy: .allIssued)
            attempt.crash(afterMutations: attempt.mutationCount + cut)
            _ = try? WAL.open(directory: Self.directory, fileIO: attempt, clock: ManualClock()) { _ in }
            for policy in [SimFS.CrashPolicy.syncedOnly, .allIssued] {
                let label = "recovery cut after mutation \(cut), \(policy)"
                if !Self.recover(
                    attempt.crashImage(policy: policy), issued: issued, acknowledged: acknowledged, mustKeepAcknowledged: true,
                    label: label)
                {
                    return
                }
            }
        }
    }
}
