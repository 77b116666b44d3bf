import QuiverStorage
import QuiverTestSupport
import Synchronization
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Group commit, durability modes and fault handling of ``WAL``.
@Suite struct WALTests {
    static let directory: FilePath = "/db"

    static func makeFS() -> SimFS {
        let fs = SimFS()
        try! fs.createDirectory(directory)
        try! fs.synchronizeDirectory("/")
        return fs
    }

    static func open(
        _ io: any FileIO, durability: WALConfiguration.Durability = .always, mode: WALRecoveryMode = .tolerateCorruptedTail,
        clock: ManualClock = ManualClock(), checkpoint: UInt64 = 0, reports: ReportLog? = nil
    ) throws -> (WAL, [WALRecord]) {
        var configuration = WALConfiguration()
        configuration.durability = durability
        configuration.recoveryMode = mode
        var records: [WALRecord] = []
        let wal = try WAL.open(
            directory: directory, fileIO: io, configuration: configuration, clock: clock, checkpoint: checkpoint,
            reporter: { report in reports?.items.append(report) }, replay: { records.append($0) })
        return (wal, records)
    }

    static func payload(_ index: Int) -> [UInt8] { Array("record \(index)".utf8) }

    /// The blocking append, from an async test.
    static func appendBlocking(_ wal: WAL, _ index: Int) throws { try wal.append(payload(index)) }

    // MARK: Appending and reopening

    @Test func appendsSurviveReopenAndContinueTheSequence() throws {
        let fs = Self.makeFS()
        let (wal, replayed) = try Self.open(fs)
        #expect(replayed.isEmpty)
        for index in 0..<3 { #expect(try wal.append(Self.payload(index)) == UInt64(index + 1)) }
        try wal.close()
        expectStorageError(.invalidArgument) { try wal.append([1]) }

        let (second, records) = try Self.open(fs)
        #expect(records.map(\.payload) == (0..<3).map(Self.payload) && records.map(\.sequence) == [1, 2, 3])
        #expect(try second.append(Self.payload(3)) == 4)
        #expect(second.liveLogNumbers == [1, 2])
        try second.close()

        let (_, all) = try Self.open(fs)
        #expect(all.map(\.payload) == (0..<4).map(Self.payload))
    }

    @Test func checkpointSkipsAppliedRecords() throws {
        let fs = Self.makeFS()
        let (wal, _) = try Self.open(fs)
        for index in 0..<5 { try wal.append(Self.payload(index)) }
        try wal.close()
        let (reopened, records) = try Self.open(fs, checkpoint: 3)
        #expect(records.map(\.sequence) == [4, 5])
        #expect(reopened.lastSequence == 5)
    }

    @Test func rotationAndDeletionOfCheckpointedFiles() throws {
        let fs = Self.makeFS()
        let (wal, _) = try Self.open(fs)
        try wal.append(Self.payload(0))
        try wal.append(Self.payload(1))
        #expect(try wal.rotate() == 2)
        try wal.append(Self.payload(2))
        #expect(try wal.rotate() == 3)
        try wal.append(Self.payload(3))
        #expect(wal.liveLogNumbers == [1, 2, 3] && wal.currentLogNumber == 3)
        #expect(try wal.deleteObsolete(upTo: 1) == 0)  // file 1 still holds record 2
        #expect(try wal.deleteObsolete(upTo: 2) == 1)
        #expect(try wal.deleteObsolete(upTo: 100) == 1)  // never the current file
        #expect(wal.liveLogNumbers == [3])
        #expect(try fs.contentsOfDirectory(Self.directory) == ["000003.wal"])
        try wal.close()
        let (_, records) = try Self.open(fs, checkpoint: 3)
        #expect(records.map(\.payload) == [Self.payload(3)])
    }

    @Test func recoveryTruncatesATornTailAndReportsIt() throws {
        let fs = Self.makeFS()
        let (wal, _) = try Self.open(fs)
        for index in 0..<3 { try wal.append(Self.payload(index)) }
        try wal.close()
        let path = DataDirectoryLayout(root: Self.directory).walFile(1)
        let intact = fs.contents(of: path)!
        fs.setContents(of: path, to: intact + Array(WALTestLog.make([Self.payload(9)]).dropFirst(WALFormat.FileHeader.size).dropLast(3)))
        let reports = ReportLog()
        let (_, records) = try Self.open(fs, reports: reports)
        #expect(records.map(\.payload) == (0..<3).map(Self.payload))
        #expect(reports.kinds == [.tornTail])
        #expect(fs.contents(of: path) == intact)
        let again = ReportLog()
        _ = try Self.open(fs, reports: again)
        #expect(again.items.isEmpty)
    }

    @Test(arguments: WALRecoveryMode.allCases)
    func corruptionBeforeTheTail(mode: WALRecoveryMode) throws {
        let fs = Self.makeFS()
        let (wal, _) = try Self.open(fs)
        for index in 0..<10 { try wal.append(Self.payload(index)) }
        try wal.rotate()
        try wal.append(Self.payload(10))
        try wal.close()
        let path = DataDirectoryLayout(root: Self.directory).walFile(1)
        var bytes = fs.contents(of: path)!
        bytes[WALFormat.FileHeader.size + 3 * (WALFormat.FragmentHeader.size + 8) + 30] ^= 1  // record 3's payload
        fs.setContents(of: path, to: bytes)
        let reports = ReportLog()
        switch mode {
        case .tolerateCorruptedTail, .absoluteConsistency:
            let error = expectStorageError(.corruption) { try Self.open(fs, mode: mode) }
            #expect(error?.file == path && error?.offset == Int64(WALFormat.FileHeader.size + 3 * 32))
        case .pointInTime:
            let (reopened, records) = try Self.open(fs, mode: mode, reports: reports)
            #expect(records.map(\.payload) == (0..<3).map(Self.payload))
            #expect(reopened.lastSequence == 3 && reopened.liveLogNumbers == [1, 3])
            #expect(reports.kinds == [.droppedAfterCorruption, .droppedFile])
        case .skipCorrupted:
            let (_, records) = try Self.open(fs, mode: mode, reports: reports)
            #expect(records.map(\.payload) == (0..<11).filter { $0 != 3 }.map(Self.payload))
            #expect(reports.kinds == [.skippedCorruption])
        }
    }

    @Test func missingMiddleFileIsCorruption() throws {
        let fs = Self.makeFS()
        let (wal, _) = try Self.open(fs)
        try wal.append(Self.payload(0))
        try wal.rotate()
        try wal.append(Self.payload(1))
        try wal.rotate()
        try wal.append(Self.payload(2))
        try wal.close()
        try fs.remove(DataDirectoryLayout(root: Self.directory).walFile(2))
        let error = expectStorageError(.corruption) { try Self.open(fs) }
        #expect(error?.message.contains("do not join up") == true)
    }

    @Test func unreadableNewestFileFromACrashedCreationIsDropped() throws {
        let fs = Self.makeFS()
        let (wal, _) = try Self.open(fs)
        try wal.append(Self.payload(0))
        try wal.close()
        fs.setContents(of: DataDirectoryLayout(root: Self.directory).walFile(2), to: [0x51, 0x56, 0x57])
        let reports = ReportLog()
        let (reopened, records) = try Self.open(fs, reports: reports)
        #expect(records.map(\.payload) == [Self.payload(0)])
        #expect(reports.kinds == [.droppedFile])
        #expect(reopened.liveLogNumbers == [1, 3])
    }

    // MARK: Group commit

    @Test func concurrentWritersShareOneSync() throws {
        let gated = GatedFileIO(Self.makeFS())
        let (wal, _) = try Self.open(gated)
        let syncsBefore = gated.syncCount
        gated.close()
        let threads = (0..<16).map { index in TestThread { _ = try! wal.append(Self.payload(index)) } }
        // The first append holds the gate inside its fdatasync; the other 15 queue behind it.
        while wal.queuedAppendCount < 16 { sched_yield() }
        gated.open()
        for thread in threads { thread.join() }
        #expect(gated.syncCount - syncsBefore == 2)
        #expect(wal.statistics.appends == 16 && wal.statistics.groups == 2)
        try wal.close()
        let (_, records) = try Self.open(gated)
        #expect(Set(records.map(\.payload)) == Set((0..<16).map(Self.payload)))
        #expect(records.map(\.sequence) == Array(1...16))
    }

    @Test func groupCommitOnARealDisk() throws {
        try withTemporaryDirectory { directory in
            let io = FaultyFileIO(wrapping: PosixFileIO())
            let wal = try WAL.open(directory: directory, fileIO: io, clock: ManualClock()) { _ in }
            let syncsBefore = io.count(of: .synchronize)
            let perThread = 50
            let threads = (0..<16).map { thread in
                TestThread { for index in 0..<perThread { _ = try! wal.append(Self.payload(thread * 1000 + index)) } }
            }
            for thread in threads { thread.join() }
            let syncs = io.count(of: .synchronize) - syncsBefore
            print("group commit: \(16 * perThread) appends from 16 threads took \(syncs) fdatasyncs")
            #expect(wal.statistics.appends == 16 * perThread)
            #expect(syncs < 16 * perThread / 2)
            try wal.close()
            var count = 0
            _ = try WAL.open(directory: directory, clock: ManualClock()) { _ in count += 1 }
            #expect(count == 16 * perThread)
        }
    }

    @Test func asyncAppendsFromManyTasks() async throws {
        let fs = Self.makeFS()
        let (wal, _) = try Self.open(fs)
        let sequences = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for index in 0..<64 { group.addTask { try await wal.append(Self.payload(index)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sequences.sorted() == Array(1...64))
        try wal.close()
    }

    @Test func cancellingAQueuedAsyncAppendRemovesIt() async throws {
        let gated = GatedFileIO(Self.makeFS())
        let (wal, _) = try Self.open(gated)
        gated.close()
        let leader = TestThread { _ = try! wal.append(Self.payload(0)) }
        while wal.queuedAppendCount < 1 { await Task.yield() }
        let waiter = Task { try await wal.append(Self.payload(1)) }
        while wal.queuedAppendCount < 2 { await Task.yield() }
        waiter.cancel()
        do {
            _ = try await waiter.value
            Issue.record("the cancelled append completed")
        } catch {
            #expect(error is CancellationError)
        }
        #expect(wal.queuedAppendCount == 1)
        gated.open()
        leader.join()
        try wal.close()
        let (_, records) = try Self.open(gated)
        #expect(records.map(\.payload) == [Self.payload(0)])
    }

    // MARK: Durability modes

    @Test func alwaysSyncsBeforeAcknowledging() throws {
        let fs = Self.makeFS()
        let (wal, _) = try Self.open(fs)
        for index in 0..<5 { try wal.append(Self.payload(index)) }
        let (_, records) = try Self.open(fs.crashImage(policy: .syncedOnly))
        #expect(records.count == 5)
        _ = wal
    }

    @Test func intervalSyncsWhenTheClockSaysSo() async throws {
        let fs = Self.makeFS()
        let clock = ManualClock()
        let (wal, _) = try Self.open(fs, durability: WALConfiguration.Durability.everySecond, clock: clock)
        await clock.waitForSleepers(1)
        let syncs = fs.syncCount
        try Self.appendBlocking(wal, 0)
        try Self.appendBlocking(wal, 1)
        #expect(fs.syncCount == syncs)
        // The bytes reached the OS (a process crash keeps them) but not the disk.
        #expect(try Self.open(fs.crashImage(policy: .allIssued)).1.count == 2)
        #expect(try Self.open(fs.crashImage(policy: .syncedOnly)).1.count == 0)
        clock.advance(by: .milliseconds(999))
        #expect(fs.syncCount == syncs)
        clock.advance(by: .milliseconds(1))
        await clock.waitForSleepers(1)
        #expect(fs.syncCount == syncs + 1)
        #expect(try Self.open(fs.crashImage(policy: .syncedOnly)).1.count == 2)
        // Nothing unsynced: the next period passes without a sync.
        clock.advance(by: .seconds(1))
        await clock.waitForSleepers(1)
        #expect(fs.syncCount == syncs + 1)
        // An append after the period has elapsed syncs inline.
        clock.advance(by: .milliseconds(500))
        try Self.appendBlocking(wal, 2)
        #expect(fs.syncCount == syncs + 2)
        try wal.close()
    }

    @Test func noneNeverSyncsAppends() throws {
        let fs = Self.makeFS()
        let (wal, _) = try Self.open(fs, durability: WALConfiguration.Durability.none)
        let syncs = fs.syncCount
        for index in 0..<10 { try wal.append(Self.payload(index)) }
        try wal.close()
        #expect(fs.syncCount == syncs)
        #expect(try Self.open(fs.crashImage(policy: .allIssued)).1.count == 10)
        #expect(try Self.open(fs.crashImage(policy: .syncedOnly)).1.isEmpty)
    }

    // MARK: Faults

    @Test func failedSyncFailsTheCoveredAppendsAndTurnsReadOnly() throws {
        let fs = Self.makeFS()
        let io = FaultyFileIO(wrapping: fs)
        let (wal, _) = try Self.open(io)
        try wal.append(Self.payload(0))
        io.inject(.init([.synchronize], .once(1), .error(.ioError)))
        expectStorageError(.io(.ioError)) { try wal.append(Self.payload(1)) }
        #expect(wal.isReadOnly)
        let syncs = io.count(of: .synchronize)
        expectStorageError(.readOnly) { try wal.append(Self.payload(2)) }
        expectStorageError(.readOnly) { try wal.synchronize() }
        expectStorageError(.readOnly) { try wal.rotate() }
        #expect(io.count(of: .synchronize) == syncs)  // the failed fsync is never retried
        try wal.close()
        let (_, records) = try Self.open(fs.crashImage(policy: .syncedOnly))
        #expect(records.map(\.payload) == [Self.payload(0)])
    }

    @Test(arguments: [FaultyFileIO.Fault.error(.noSpace), .shortWrite(.noSpace), .error(.ioError), .shortWrite(.ioError)])
    func failedWriteRejectsOnlyThatAppend(fault: FaultyFileIO.Fault) throws {
        let fs = Self.makeFS()
        let io = FaultyFileIO(wrapping: fs)
        let (wal, _) = try Self.open(io)
        try wal.append(Self.payload(0))
        io.inject(.init([.write], .once(1), fault))
        let code: StorageError.Code = fault == .error(.noSpace) || fault == .shortWrite(.noSpace) ? .io(.noSpace) : .io(.ioError)
        expectStorageError(code) { try wal.append(Self.payload(1)) }
        #expect(!wal.isReadOnly)
        #expect(try wal.append(Self.payload(2)) == 2)
        try wal.close()
        for policy in [SimFS.CrashPolicy.syncedOnly, .allIssued] {
            let (_, records) = try Self.open(fs.crashImage(policy: policy))
            #expect(records.map(\.payload) == [Self.payload(0), Self.payload(2)] && records.map(\.sequence) == [1, 2])
        }
    }

    @Test func persistentNoSpaceResumesWhenSpaceReturns() throws {
        let io = FaultyFileIO(wrapping: Self.makeFS())
        let (wal, _) = try Self.open(io)
        io.inject(.init([.write], .from(1), .error(.noSpace)))
        for index in 0..<3 { expectStorageError(.io(.noSpace)) { try wal.append(Self.payload(index)) } }
        io.clearFaults()
        #expect(try wal.append(Self.payload(3)) == 1)
    }

    @Test func readErrorDuringRecoveryIsTyped() throws {
        let fs = Self.makeFS()
        let (wal, _) = try Self.open(fs)
        try wal.append(Self.payload(0))
        try wal.close()
        let io = FaultyFileIO(wrapping: fs, rules: [.init([.read], .once(2), .error(.ioError))])
        expectStorageError(.io(.ioError)) { try Self.open(io) }
    }

    @Test(arguments: [Errno.tooManyOpenFiles, .noSpace, .ioError])
    func failedRotationKeepsTheCurrentFile(errno: Errno) throws {
        let io = FaultyFileIO(wrapping: Self.makeFS())
        let (wal, _) = try Self.open(io)
        try wal.append(Self.payload(0))
        io.inject(.init([.open], .once(1), .error(errno)))
        expectStorageError(.io(errno)) { try wal.rotate() }
        #expect(wal.currentLogNumber == 1 && !wal.isReadOnly)
        try wal.append(Self.payload(1))
        try wal.close()
        #expect(try Self.open(io).1.count == 2)
    }

    @Test func failedOpenLeavesNothingBehind() throws {
        let fs = Self.makeFS()
        let io = FaultyFileIO(wrapping: fs, rules: [.init([.synchronizeDirectory], .once(1), .error(.ioError))])
        expectStorageError(.io(.ioError)) { try Self.open(io) }
        #expect(try fs.contentsOfDirectory(Self.directory).isEmpty)
        #expect(fs.openHandleCount == 0)
    }
}

/// Collects what recovery reports.
final class ReportLog {
    var items: [WALReadReport] = []
    var kinds: [WALReadReport.Kind] { items.map(\.kind) }
}

/// A file system whose syncs wait while the gate is closed: makes group-commit tests deterministic.
final class GatedFileIO: FileIO {
    let base: SimFS
    private let closed = Atomic<Bool>(false)
    private let syncs = Atomic<Int>(0)

    init(_ base: SimFS) { self.base = base }

    func close() { closed.store(true, ordering: .releasing) }
    func open() { closed.store(false, ordering: .releasing) }
    var syncCount: Int { syncs.load(ordering: .acquiring) }

    func open(_ path: FilePath, access: FileAccess, options: FileOpenOptions) throws(StorageError) -> FileIOHandle {
        try base.open(path, access: access, options: options)
    }
    func close(_ file: FileIOHandle) throws(StorageError) { try base.close(file) }
    func read(_ file: FileIOHandle, fromAbsoluteOffset offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(StorageError) -> Int {
        try base.read(file, fromAbsoluteOffset: offset, into: buffer)
    }
    func write(_ file: FileIOHandle, toAbsoluteOffset offset: Int64, _ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        try base.write(file, toAbsoluteOffset: offset, bytes)
    }
    func size(of file: FileIOHandle) throws(StorageError) -> Int64 { try base.size(of: file) }
    func synchronize(_ file: FileIOHandle, dataOnly: Bool) throws(StorageError) {
        while closed.load(ordering: .acquiring) { sched_yield() }
        syncs.add(1, ordering: .relaxed)
        try base.synchronize(file, dataOnly: dataOnly)
    }
    func resize(_ file: FileIOHandle, to size: Int64) throws(StorageError) { try base.resize(file, to: size) }
    func lock(_ file: FileIOHandle) throws(StorageError) { try base.lock(file) }
    func unlock(_ file: FileIOHandle) throws(StorageError) { try base.unlock(file) }
    func map(_ file: FileIOHandle) throws(StorageError) -> MappedRegion { try base.map(file) }
    func rename(_ source: FilePath, to destination: FilePath) throws(StorageError) { try base.rename(source, to: destination) }
    func remove(_ path: FilePath) throws(StorageError) { try base.remove(path) }
    func link(_ source: FilePath, to destination: FilePath) throws(StorageError) {
        try base.link(source, to: destination)
    }
    func createDirectory(_ path: FilePath) throws(StorageError) { try base.createDirectory(path) }
    func synchronizeDirectory(_ path: FilePath) throws(StorageError) { try base.synchronizeDirectory(path) }
    func contentsOfDirectory(_ path: FilePath) throws(StorageError) -> [String] { try base.contentsOfDirectory(path) }
}
