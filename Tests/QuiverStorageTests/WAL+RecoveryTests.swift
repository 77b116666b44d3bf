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

/// Recovery from damage between log files: a damaged header of an older file, a header naming
/// another log, a newer format, a newest file whose creation was torn, in each recovery mode.
@Suite struct WALRecoveryDamageTests {
    static let layout = DataDirectoryLayout(root: WALTests.directory)

    /// Log files 000001.wal (records 1...3) and 000002.wal (records 4 and 5).
    static func twoFiles() throws -> SimFS {
        let fs = WALTests.makeFS()
        let (wal, _) = try WALTests.open(fs)
        for index in 0..<3 { try wal.append(WALTests.payload(index)) }
        try wal.rotate()
        for index in 3..<5 { try wal.append(WALTests.payload(index)) }
        try wal.close()
        // The reopens below add a newest file each; start from exactly two.
        #expect(try fs.contentsOfDirectory(WALTests.directory).sorted() == ["000001.wal", "000002.wal"])
        return fs
    }

    /// Rewrites the header of log file `number` (with a valid checksum).
    static func editHeader(_ fs: SimFS, _ number: UInt64, _ edit: (inout WALFileHeader) -> Void) throws {
        let path = layout.walFile(number)
        var bytes = fs.contents(of: path)!
        var header = try WALFileHeader.decode(ArraySlice(bytes.prefix(WALFormat.FileHeader.size)))
        edit(&header)
        bytes.replaceSubrange(0..<WALFormat.FileHeader.size, with: header.encoded())
        fs.setContents(of: path, to: bytes)
    }

    static func payloads(_ indices: Range<Int>) -> [[UInt8]] { indices.map(WALTests.payload) }

    @Test(arguments: WALRecoveryMode.allCases)
    func aDamagedHeaderOfAnOlderFile(mode: WALRecoveryMode) throws {
        let fs = try Self.twoFiles()
        let path = Self.layout.walFile(1)
        var bytes = fs.contents(of: path)!
        bytes[0] ^= 0xFF  // the magic
        fs.setContents(of: path, to: bytes)
        let reports = ReportLog()
        switch mode {
        case .tolerateCorruptedTail, .absoluteConsistency:
            let error = expectStorageError(.corruption) { try WALTests.open(fs, mode: mode) }
            #expect(error?.file == path && error?.message == "WAL file header is damaged")
        case .pointInTime:
            // Nothing after the damage can be trusted: both files go.
            let (wal, records) = try WALTests.open(fs, mode: mode, reports: reports)
            #expect(records.isEmpty && wal.lastSequence == 0)
            #expect(reports.kinds == [.droppedFile, .droppedFile])
            #expect(reports.items.map(\.file) == [path, Self.layout.walFile(2)])
            #expect(wal.liveLogNumbers == [3])
        case .skipCorrupted:
            // The file is skipped, and the gap it leaves is reported before the next file's records.
            let (_, records) = try WALTests.open(fs, mode: mode, reports: reports)
            #expect(records.map(\.payload) == Self.payloads(3..<5))
            #expect(reports.kinds == [.droppedFile, .skippedCorruption])
        }
    }

    @Test(arguments: WALRecoveryMode.allCases)
    func aHeaderNamingAnotherLog(mode: WALRecoveryMode) throws {
        let fs = try Self.twoFiles()
        try Self.editHeader(fs, 2) { $0.logNumber = 7 }
        let reports = ReportLog()
        switch mode {
        case .tolerateCorruptedTail, .absoluteConsistency:
            let error = expectStorageError(.corruption) { try WALTests.open(fs, mode: mode) }
            #expect(error?.message == "WAL files do not join up: the header names log 7")
        case .pointInTime:
            let (wal, records) = try WALTests.open(fs, mode: mode, reports: reports)
            #expect(records.map(\.payload) == Self.payloads(0..<3))
            #expect(reports.kinds == [.droppedFile] && wal.lastSequence == 3)
        case .skipCorrupted:
            let (_, records) = try WALTests.open(fs, mode: mode, reports: reports)
            #expect(records.map(\.payload) == Self.payloads(0..<5))
            #expect(reports.kinds == [.skippedCorruption])
        }
    }

    @Test func aFileFromANewerFormatIsRefusedInEveryMode() throws {
        let fs = try Self.twoFiles()
        try Self.editHeader(fs, 1) { $0.version = WALFormat.version + 1 }
        for mode in WALRecoveryMode.allCases {
            let error = expectStorageError(.unsupported) { try WALTests.open(fs, mode: mode) }
            #expect(error?.message.contains("newer") == true)
        }
    }

    /// A newest file with a damaged header and nothing but zeros after it is a crash while it was
    /// being created: dropped. With data after the header it is damage, and the open stops.
    @Test func aDamagedNewestHeaderIsATornCreationOnlyWithZerosAfterIt() throws {
        let fs = try Self.twoFiles()
        let path = Self.layout.walFile(2)
        var garbage = [UInt8](repeating: 0xA5, count: WALFormat.FileHeader.size)
        fs.setContents(of: path, to: garbage + [UInt8](repeating: 0, count: 70_000))
        let reports = ReportLog()
        let (wal, records) = try WALTests.open(fs, reports: reports)
        #expect(records.map(\.payload) == Self.payloads(0..<3))
        #expect(reports.kinds == [.droppedFile] && reports.items.first?.file == path)
        try wal.close()

        let again = try Self.twoFiles()
        garbage += [UInt8](repeating: 0, count: 5000) + [1]
        again.setContents(of: path, to: garbage)
        let error = expectStorageError(.corruption) { try WALTests.open(again) }
        #expect(error?.file == path)
    }
}
