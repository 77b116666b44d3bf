import QuiverStorage
import QuiverTestSupport
import Synchronization
import SystemPackage
import Testing

/// The queue's less common paths (T18): async waiters, cancellation before enqueueing, refusals
/// of operations queued behind a close, group limits, explicit and interval syncs that fail.
extension WALTests {
    /// Runs `body` on a new thread, keeping what it returned or threw.
    final class Outcome: Sendable {
        private final class Box: Sendable {
            let result = Mutex<Result<UInt64, StorageError>?>(nil)
        }
        private let box = Box()
        private let thread: TestThread

        init(_ body: @escaping @Sendable () throws(StorageError) -> UInt64) {
            let box = self.box
            thread = TestThread {
                do throws(StorageError) {
                    let value = try body()
                    box.result.withLock { $0 = .success(value) }
                } catch {
                    box.result.withLock { $0 = .failure(error) }
                }
            }
        }

        /// What the body returned or threw, once it finished.
        func value() -> Result<UInt64, StorageError>? {
            thread.join()
            return box.result.withLock { $0 }
        }
    }

    /// Waits (yielding) until `condition` holds; a bounded number of tries so a bug fails the test.
    static func waitUntil(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async {
        var tries = 0
        while !condition() && tries < 1_000_000 {
            await Task.yield()
            tries += 1
        }
        #expect(condition(), "timed out waiting", sourceLocation: sourceLocation)
    }

    @Test func asyncAppendRunsItsPublicationHookAndIsRefusedAfterClose() async throws {
        let (wal, _) = try Self.open(Self.makeFS())
        let published = Mutex<[UInt64]>([])
        let sequence = try await wal.append(Self.payload(0)) { sequence in published.withLock { $0.append(sequence) } }
        #expect(sequence == 1 && published.withLock { $0 } == [1])
        try wal.close()
        await #expect(throws: StorageError.self) { try await wal.append(Self.payload(1)) }
        await #expect(throws: StorageError.self) { try await wal.append(Self.payload(1)) { _ in } }
    }

    @Test func anOversizedRecordIsRefusedBeforeItIsQueued() throws {
        let (wal, _) = try Self.open(Self.makeFS())
        let huge = [UInt8](repeating: 0, count: WALFormat.maxRecordLength + 1)
        expectStorageError(.invalidArgument) { try wal.append(huge) }
        #expect(wal.lastSequence == 0 && wal.queuedOperationCount == 0)
        try wal.close()
    }

    /// An async append queued behind a leader is woken with its result, not made to lead.
    @Test func anAsyncWaiterBehindALeaderGetsItsResult() async throws {
        let gated = GatedFileIO(Self.makeFS())
        let (wal, _) = try Self.open(gated)
        gated.close()
        let leader = Outcome { () throws(StorageError) -> UInt64 in try wal.append(Self.payload(0)) }
        await Self.waitUntil { wal.queuedAppendCount == 1 }
        let waiter = Task { try await wal.append(Self.payload(1)) }
        await Self.waitUntil { wal.queuedAppendCount == 2 }
        gated.open()
        #expect(try await waiter.value == 2)
        #expect(try leader.value()?.get() == 1)
        try wal.close()
    }

    /// A task cancelled before its append is queued gets `CancellationError`, and nothing is written.
    @Test func aTaskCancelledBeforeEnqueueingAppendsNothing() async throws {
        let (wal, _) = try Self.open(Self.makeFS())
        let task = Task { () async throws -> UInt64 in
            withUnsafeCurrentTask { $0?.cancel() }
            return try await wal.append(Self.payload(0))
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(wal.lastSequence == 0 && wal.queuedOperationCount == 0)
        try wal.close()
    }

    /// Behind a blocked leader: two large appends (over the group limit together), a close, and an
    /// append after it. The large ones go in groups of their own, the group before the close stops
    /// at it, and the append queued after the close is refused when its turn comes.
    @Test func groupsStopAtTheSizeLimitAndAtExclusiveOperationsAndAfterACloseAppendsAreRefused() async throws {
        let fs = Self.makeFS()
        let gated = GatedFileIO(fs)
        var configuration = WALConfiguration()
        configuration.maxGroupBytes = 1000
        let wal = try WAL.open(directory: Self.directory, fileIO: gated, configuration: configuration, clock: ManualClock()) {
            _ in
        }
        let large = [UInt8](repeating: 7, count: 800)
        // Read before the gate closes: statistics wait for the log file, which a blocked leader holds.
        let groupsBefore = wal.statistics.groups
        gated.close()
        let first = Outcome { () throws(StorageError) -> UInt64 in try wal.append(Self.payload(0)) }
        await Self.waitUntil { wal.queuedOperationCount == 1 }
        let second = Outcome { () throws(StorageError) -> UInt64 in try wal.append(large) }
        await Self.waitUntil { wal.queuedOperationCount == 2 }
        let third = Outcome { () throws(StorageError) -> UInt64 in try wal.append(large) }
        await Self.waitUntil { wal.queuedOperationCount == 3 }
        #expect(wal.queuedAppendCount == 3)
        let close = Outcome { () throws(StorageError) -> UInt64 in
            try wal.close()
            return 0
        }
        await Self.waitUntil { wal.queuedOperationCount == 4 }
        #expect(wal.queuedAppendCount == 3, "the close is not an append")
        let late = Outcome { () throws(StorageError) -> UInt64 in try wal.append(Self.payload(9)) }
        await Self.waitUntil { wal.queuedOperationCount == 5 }
        gated.open()
        #expect(try first.value()?.get() == 1)
        #expect(try second.value()?.get() == 2)
        #expect(try third.value()?.get() == 3)
        #expect(try close.value()?.get() == 0)
        guard case .failure(let error)? = late.value() else {
            Issue.record("the append queued after the close was not refused")
            return
        }
        #expect(error.code == .invalidArgument)
        #expect(wal.statistics.groups - groupsBefore == 3, "the first append and each large one were a group each")
        let (_, records) = try Self.open(fs)
        #expect(records.map(\.payload) == [Self.payload(0), large, large])
    }

    /// `synchronize()` makes unsynced appends durable; a failure there turns the log read-only.
    @Test func explicitSyncMakesAppendsDurableAndItsFailureIsFatal() throws {
        let fs = Self.makeFS()
        let io = FaultyFileIO(wrapping: fs)
        let (wal, _) = try Self.open(io, durability: .none)
        try wal.append(Self.payload(0))
        #expect(try Self.open(fs.crashImage(policy: .syncedOnly)).1.isEmpty)
        try wal.synchronize()
        #expect(try Self.open(fs.crashImage(policy: .syncedOnly)).1.map(\.payload) == [Self.payload(0)])
        try wal.append(Self.payload(1))
        io.inject(.init([.synchronize], .once(1), .error(.ioError)))
        expectStorageError(.io(.ioError)) { try wal.synchronize() }
        #expect(wal.isReadOnly)
        expectStorageError(.readOnly) { try wal.append(Self.payload(2)) }
    }

    /// The interval flusher's sync failing turns the log read-only, and the flusher stops.
    @Test func aFailedIntervalSyncTurnsTheLogReadOnly() async throws {
        let io = FaultyFileIO(wrapping: Self.makeFS())
        let clock = ManualClock()
        let (wal, _) = try Self.open(io, durability: WALConfiguration.Durability.everySecond, clock: clock)
        await clock.waitForSleepers(1)
        try Self.appendBlocking(wal, 0)
        let syncs = io.count(of: .synchronize)
        io.inject(.init([.synchronize], .from(1), .error(.ioError)))
        clock.advance(by: .seconds(1))
        await Self.waitUntil { wal.isReadOnly }
        expectStorageError(.readOnly) { try wal.append(Self.payload(1)) }
        // The flusher found the log failed and ended instead of sleeping again.
        await Self.waitUntil { clock.sleeperCount == 0 }
        #expect(io.count(of: .synchronize) == syncs + 1, "the failed sync was not retried")
    }

    /// A failed close of the file is reported, and the log refuses writes from then on.
    @Test func aFailedCloseIsReported() throws {
        let io = FaultyFileIO(wrapping: Self.makeFS())
        let (wal, _) = try Self.open(io)
        try wal.append(Self.payload(0))
        io.inject(.init([.close], .once(1), .error(.ioError)))
        expectStorageError(.io(.ioError)) { try wal.close() }
        #expect(wal.isReadOnly)
        expectStorageError(.readOnly) { try wal.append(Self.payload(1)) }
        io.clearFaults()
        #expect(try Self.open(io).1.map(\.payload) == [Self.payload(0)])
    }
}
