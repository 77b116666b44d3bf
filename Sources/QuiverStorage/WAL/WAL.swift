internal import QuiverIndex
internal import SystemPackage

/// The write-ahead log of a data directory: concurrent appends with group commit, rotation,
/// deletion of checkpointed files, and recovery on open.
///
/// Appends from many threads are queued. The first in the queue becomes the *leader*: it writes
/// every queued record (up to ``WALConfiguration/maxGroupBytes``) with one `write(2)` and, under
/// ``WALConfiguration/Durability/always``, one `fdatasync(2)`, then acknowledges them all and
/// hands leadership to the next in line. So N concurrent writers share one sync.
///
/// Failure policy (reliability spec §8.0.6):
/// - A failed `fdatasync` is never retried. The appends it covered fail, and the log turns
///   read-only: every later append throws ``StorageError/Code/readOnly`` until it is reopened,
///   and reopening recovers from what is on disk.
/// - A failed `write` (`ENOSPC`, `EIO`) is rolled back (the file is truncated to where the write
///   began, and that is synced); the appends in it fail, earlier ones stay, later ones may succeed.
///
/// Sequence numbers are assigned by the log, consecutive from 1, one per record.
public final class WAL: Sendable {
    /// The data directory's file names.
    public let layout: DataDirectoryLayout
    /// The configuration given at open.
    public let configuration: WALConfiguration
    private let fileIO: any FileIO
    private let clock: WALClock
    private let queue: Locked<QueueState>
    /// The open file; touched only by the current leader (the queue guarantees one at a time).
    private let files: Locked<FileState>
    private let flusher = Locked<Task<Void, Never>?>(nil)

    init(
        layout: DataDirectoryLayout, configuration: WALConfiguration, fileIO: any FileIO, clock: WALClock,
        files: consuming FileState, lastSequence: UInt64
    ) {
        self.layout = layout
        self.configuration = configuration
        self.fileIO = fileIO
        self.clock = clock
        self.files = Locked(files)
        self.queue = Locked(QueueState(lastSequence: lastSequence))
        if case .interval(let period) = configuration.durability {
            startFlusher(period: period)
        }
    }

    deinit {
        flusher.withLock { $0?.cancel() }
        files.withLock { state in
            if !state.closed { try? fileIO.close(state.writer.file) }
        }
    }

    // MARK: Appending

    /// Appends one record and waits until it is as durable as ``WALConfiguration/durability`` promises.
    ///
    /// - Parameter payload: The record (a whole write batch), at most 256 MiB.
    /// - Returns: The record's sequence number.
    /// - Throws: ``StorageError/Code/invalidArgument`` for an oversized record or a closed log;
    ///   ``StorageError/Code/io(_:)`` when its write or sync failed; ``StorageError/Code/readOnly``
    ///   after an earlier sync failure.
    @discardableResult
    public func append(_ payload: [UInt8]) throws(StorageError) -> UInt64 {
        try checkLength(payload)
        return try submit(.append(payload, nil))
    }

    /// Appends one record like ``append(_:)-(_)``, and runs `published` with its sequence number
    /// once the record is as durable as the mode promises, before any later record's: callers
    /// apply their writes there to get the log's order without a lock of their own.
    ///
    /// `published` runs on whichever thread writes the group (possibly another appender's) and
    /// delays the records after it, so it must be short and must not call into the log.
    @discardableResult
    public func append(_ payload: [UInt8], published: @escaping @Sendable (UInt64) -> Void) throws(StorageError) -> UInt64 {
        try checkLength(payload)
        return try submit(.append(payload, published))
    }

    /// The asynchronous form of ``append(_:published:)``.
    @discardableResult
    public func append(_ payload: [UInt8], published: @escaping @Sendable (UInt64) -> Void) async throws -> UInt64 {
        try checkLength(payload)
        return try await submitAsync(.append(payload, published))
    }

    /// Appends one record without blocking a thread while waiting for the group commit.
    ///
    /// The task that becomes leader performs the write and sync itself. Cancellation before the
    /// record joins a group removes it and throws `CancellationError`; after that the append completes.
    ///
    /// - Parameter payload: The record (a whole write batch), at most 256 MiB.
    /// - Returns: The record's sequence number.
    /// - Throws: What the blocking `append` throws, or `CancellationError`.
    @discardableResult
    public func append(_ payload: [UInt8]) async throws -> UInt64 {
        try checkLength(payload)
        return try await submitAsync(.append(payload, nil))
    }

    /// The sequence number of the last record written.
    public var lastSequence: UInt64 { queue.withLock { $0.lastSequence } }

    /// The number of the file appends go to.
    public var currentLogNumber: UInt64 { files.withLock { $0.live.last!.number } }

    /// The numbers of the log files this log still holds, oldest first.
    public var liveLogNumbers: [UInt64] { files.withLock { $0.live.map(\.number) } }

    /// Where the next record goes: the current file's number and the offset after the last byte
    /// written to it (records and block padding).
    ///
    /// Read right after an append returned, with no other appender running, it is the end of that
    /// append's record: the ordering auditor's tests (reliability spec T16 rule 4) check that the
    /// bytes up to it were synced before the append was acknowledged.
    package var appendPosition: (logNumber: UInt64, offset: Int64) {
        files.withLock { ($0.live.last!.number, $0.writer.offset) }
    }

    /// Whether a failed sync turned the log read-only.
    public var isReadOnly: Bool { queue.withLock { $0.failure != nil } }

    // MARK: Files

    /// Makes everything appended so far durable now, whatever the durability mode.
    ///
    /// - Throws: The sync's error (the log then turns read-only).
    public func synchronize() throws(StorageError) { _ = try submit(.exclusive(.synchronize)) }

    /// Starts a new numbered log file; later appends go there.
    ///
    /// The current file is synced first, so a newer file never holds records an older one lost.
    ///
    /// - Returns: The new file's number.
    /// - Throws: ``StorageError``; the log keeps appending to the old file when creating the new
    ///   one failed, and turns read-only when syncing the old one failed.
    @discardableResult
    public func rotate() throws(StorageError) -> UInt64 { try submit(.exclusive(.rotate)) }

    /// Removes the log files whose records all have sequence numbers at most `sequence`
    /// (they are checkpointed elsewhere). The current file is never removed.
    ///
    /// - Returns: How many files were removed.
    /// - Complexity: O(number of live files).
    @discardableResult
    public func deleteObsolete(upTo sequence: UInt64) throws(StorageError) -> Int {
        Int(try submit(.exclusive(.deleteObsolete(sequence))))
    }

    /// Syncs (unless the durability is ``WALConfiguration/Durability/none``) and closes the file.
    ///
    /// Later calls throw ``StorageError/Code/invalidArgument``. Closing a read-only log releases
    /// its file without syncing.
    public func close() throws(StorageError) {
        flusher.withLock { $0?.cancel() }
        _ = try submit(.exclusive(.close))
    }

    // MARK: White-box hooks for tests

    /// How many appends are queued and not yet acknowledged (including the group in flight).
    package var queuedAppendCount: Int {
        queue.withLock { state in state.entries.count { if case .append = $0.operation { true } else { false } } }
    }

    /// How many operations (appends and exclusive ones: syncs, rotations, closes) are queued and
    /// not yet done, including the one or the group in flight.
    package var queuedOperationCount: Int { queue.withLock { $0.entries.count } }

    /// Appends acknowledged, groups written and `fdatasync`s issued since open.
    package var statistics: (appends: Int, groups: Int, syncs: Int) {
        let syncs = files.withLock { $0.syncCount }
        return queue.withLock { ($0.appendCount, $0.groupCount, syncs) }
    }

    /// Runs the interval flush now, as the background flusher does when its period elapses.
    package func synchronizeIfDue() async throws { _ = try await submitAsync(.exclusive(.synchronizeIfDue)) }

    // MARK: Queue

    enum Operation {
        case append([UInt8], (@Sendable (UInt64) -> Void)?)
        case exclusive(Exclusive)
    }

    enum Exclusive {
        case synchronize, synchronizeIfDue, rotate, deleteObsolete(UInt64), close
    }

    enum Signal {
        case lead
        case done(Result<UInt64, StorageError>)
        case cancelled
    }

    enum Waker {
        case thread(Parker)
        case task(CheckedContinuation<Signal, Never>)
        /// The waiter is running (it leads); signals go to `signals` for it to collect.
        case running
    }

    struct Entry {
        var id: UInt64
        var operation: Operation
        var waker: Waker
        var taken = false
    }

    struct QueueState {
        var entries: [Entry] = []
        var signals: [UInt64: Signal] = [:]
        var leaderActive = false
        var nextID: UInt64 = 0
        var awaitingEnqueue: Set<UInt64> = []
        var cancelledBeforeEnqueue: Set<UInt64> = []
        var failure: StorageError?
        var closed = false
        var lastSequence: UInt64
        var appendCount = 0
        var groupCount = 0

        init(lastSequence: UInt64) { self.lastSequence = lastSequence }

        /// Why `operation` cannot be queued now, if it cannot.
        func refusal(of operation: Operation) -> StorageError? {
            if closed { return StorageError(.invalidArgument, "the WAL is closed") }
            if let failure {
                if case .exclusive(.close) = operation { return nil }
                return failure
            }
            return nil
        }

        mutating func deliver(_ signal: Signal, to index: Int, wake: inout [() -> Void]) {
            switch entries[index].waker {
            case .thread(let parker):
                signals[entries[index].id] = signal
                wake.append { parker.unpark() }
            case .task(let continuation):
                entries[index].waker = .running
                wake.append { continuation.resume(returning: signal) }
            case .running:
                signals[entries[index].id] = signal
            }
        }
    }

    private func checkLength(_ payload: [UInt8]) throws(StorageError) {
        guard payload.count <= WALFormat.maxRecordLength else {
            throw StorageError(
                .invalidArgument, "record of \(payload.count) bytes exceeds the \(WALFormat.maxRecordLength)-byte limit")
        }
    }

    private func submit(_ operation: Operation) throws(StorageError) -> UInt64 {
        let parker = Parker()
        let enqueued: Result<(UInt64, Bool), StorageError> = queue.withLock { state in
            if let refusal = state.refusal(of: operation) { return .failure(refusal) }
            let id = state.nextID
            state.nextID += 1
            let leads = !state.leaderActive
            state.leaderActive = true
            state.entries.append(Entry(id: id, operation: operation, waker: leads ? .running : .thread(parker)))
            return .success((id, leads))
        }
        let (id, leads) = try enqueued.get()
        var signal: Signal = leads ? .lead : .cancelled
        if !leads {
            parker.park()
            signal = collectSignal(id)
        }
        while true {
            switch signal {
            case .lead:
                lead()
                signal = collectSignal(id)
            case .done(let result):
                return try result.get()
            case .cancelled:
                preconditionFailure("a thread waiter cannot be cancelled")
            }
        }
    }

    private func submitAsync(_ operation: Operation) async throws -> UInt64 {
        let id: UInt64 = queue.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.awaitingEnqueue.insert(id)
            return id
        }
        var signal = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Signal, Never>) in
                var wake: [() -> Void] = []
                queue.withLock { state in
                    state.awaitingEnqueue.remove(id)
                    if state.cancelledBeforeEnqueue.remove(id) != nil {
                        wake.append { continuation.resume(returning: .cancelled) }
                    } else if let refusal = state.refusal(of: operation) {
                        wake.append { continuation.resume(returning: .done(.failure(refusal))) }
                    } else if !state.leaderActive {
                        state.leaderActive = true
                        state.entries.append(Entry(id: id, operation: operation, waker: .running))
                        wake.append { continuation.resume(returning: .lead) }
                    } else {
                        state.entries.append(Entry(id: id, operation: operation, waker: .task(continuation)))
                    }
                }
                for action in wake { action() }
            }
        } onCancel: {
            cancel(id)
        }
        while true {
            switch signal {
            case .lead:
                lead()
                signal = collectSignal(id)
            case .done(let result):
                return try result.get()
            case .cancelled:
                throw CancellationError()
            }
        }
    }

    private func cancel(_ id: UInt64) {
        var wake: [() -> Void] = []
        queue.withLock { state in
            if state.awaitingEnqueue.remove(id) != nil {
                state.cancelledBeforeEnqueue.insert(id)
                return
            }
            guard let index = state.entries.firstIndex(where: { $0.id == id }), !state.entries[index].taken,
                case .task(let continuation) = state.entries[index].waker
            else { return }
            state.entries.remove(at: index)
            wake.append { continuation.resume(returning: .cancelled) }
        }
        for action in wake { action() }
    }

    private func collectSignal(_ id: UInt64) -> Signal {
        queue.withLock { state in
            guard let signal = state.signals.removeValue(forKey: id) else {
                preconditionFailure("WAL waiter woken without a signal")
            }
            return signal
        }
    }

    private enum Group {
        case appends(ids: [UInt64], payloads: [[UInt8]], hooks: [(@Sendable (UInt64) -> Void)?])
        case exclusive(UInt64, Exclusive, failed: Bool)
        case refused([UInt64], StorageError)
    }

    /// Performs the group at the head of the queue, acknowledges it, and hands leadership on.
    private func lead() {
        let group: Group = queue.withLock { state in
            precondition(state.leaderActive && !state.entries.isEmpty, "WAL leader without a queue")
            if let refusal = state.refusal(of: state.entries[0].operation) {
                state.entries[0].taken = true
                return .refused([state.entries[0].id], refusal)
            }
            if case .exclusive(let operation) = state.entries[0].operation {
                state.entries[0].taken = true
                return .exclusive(state.entries[0].id, operation, failed: state.failure != nil)
            }
            var ids: [UInt64] = []
            var payloads: [[UInt8]] = []
            var hooks: [(@Sendable (UInt64) -> Void)?] = []
            var bytes = 0
            for index in state.entries.indices {
                guard case .append(let payload, let hook) = state.entries[index].operation else { break }
                if !payloads.isEmpty && bytes + payload.count > configuration.maxGroupBytes { break }
                bytes += payload.count
                ids.append(state.entries[index].id)
                payloads.append(payload)
                hooks.append(hook)
                state.entries[index].taken = true
            }
            return .appends(ids: ids, payloads: payloads, hooks: hooks)
        }

        var results: [Result<UInt64, StorageError>]
        var fatal: StorageError?
        var wroteGroup = false
        switch group {
        case .refused(let ids, let error):
            results = ids.map { _ in .failure(error) }
        case .exclusive(_, let operation, let failed):
            let outcome = perform(operation, failed: failed)
            results = [outcome.result]
            fatal = outcome.fatal
        case .appends(_, let payloads, let hooks):
            let outcome = write(payloads)
            results = outcome.results
            fatal = outcome.fatal
            wroteGroup = outcome.wrote
            // In sequence order, before anyone is acknowledged and before the next group.
            for (result, hook) in zip(results, hooks) {
                if case .success(let sequence) = result, let hook { hook(sequence) }
            }
        }

        var wake: [() -> Void] = []
        queue.withLock { state in
            if let fatal, state.failure == nil { state.failure = fatal }
            if case .exclusive(_, .close, _) = group, case .success = results[0] { state.closed = true }
            if wroteGroup {
                state.groupCount += 1
                for case .success(let sequence) in results {
                    state.appendCount += 1
                    state.lastSequence = sequence
                }
            }
            for index in results.indices {
                precondition(state.entries[index].taken, "WAL group out of order")
                state.deliver(.done(results[index]), to: index, wake: &wake)
            }
            state.entries.removeFirst(results.count)
            if state.entries.isEmpty {
                state.leaderActive = false
            } else {
                state.deliver(.lead, to: 0, wake: &wake)
            }
        }
        for action in wake { action() }
    }

    // MARK: I/O (leader only)

    private func write(_ payloads: [[UInt8]]) -> (results: [Result<UInt64, StorageError>], fatal: StorageError?, wrote: Bool) {
        files.withLock { state in
            let first = state.writer.lastSequence + 1
            do throws(StorageError) {
                try state.writer.append(payloads)
            } catch {
                let fatal = state.writer.isBroken ? error : nil
                return (payloads.map { _ in .failure(error) }, fatal, false)
            }
            let sequences = (0..<UInt64(payloads.count)).map { first + $0 }
            let shouldSync: Bool
            switch configuration.durability {
            case .always: shouldSync = true
            case .interval(let period): shouldSync = clock.now() - state.lastSync >= period
            case .none: shouldSync = false
            }
            if shouldSync {
                if let error = synchronize(&state) {
                    return (payloads.map { _ in .failure(error) }, readOnly(after: error), true)
                }
            }
            return (sequences.map { .success($0) }, nil, true)
        }
    }

    private func perform(_ operation: Exclusive, failed: Bool) -> (result: Result<UInt64, StorageError>, fatal: StorageError?) {
        files.withLock { state in
            switch operation {
            case .synchronize:
                if let error = synchronize(&state) { return (.failure(error), readOnly(after: error)) }
                return (.success(0), nil)
            case .synchronizeIfDue:
                guard case .interval(let period) = configuration.durability,
                    state.writer.syncedOffset < state.writer.offset, clock.now() - state.lastSync >= period
                else { return (.success(0), nil) }
                if let error = synchronize(&state) { return (.failure(error), readOnly(after: error)) }
                return (.success(0), nil)
            case .rotate:
                if let error = synchronize(&state) { return (.failure(error), readOnly(after: error)) }
                do throws(StorageError) {
                    let number = state.live.last!.number + 1
                    let firstSequence = state.writer.lastSequence + 1
                    let writer = try Self.createLogFile(
                        fileIO: fileIO, layout: layout, number: number, firstSequence: firstSequence)
                    KillPoint.hit("wal.rotate.afterCreate")
                    try? fileIO.close(state.writer.file)
                    state.writer = consume writer
                    state.live.append((number, firstSequence))
                    state.syncCount += 1
                    state.lastSync = clock.now()
                    return (.success(number), nil)
                } catch {
                    return (.failure(error), nil)
                }
            case .deleteObsolete(let sequence):
                var removed = 0
                while state.live.count > 1, state.live[1].firstSequence - 1 <= sequence {
                    let path = layout.walFile(state.live[0].number)
                    do throws(StorageError) {
                        try fileIO.remove(path)
                    } catch {
                        return (.failure(error), nil)
                    }
                    state.live.removeFirst()
                    removed += 1
                }
                KillPoint.hit("wal.deleteObsolete.afterRemove")
                if removed > 0 {
                    do throws(StorageError) { try fileIO.synchronizeDirectory(layout.root) } catch { return (.failure(error), nil) }
                }
                return (.success(UInt64(removed)), nil)
            case .close:
                var failure: StorageError?
                if !failed, configuration.durability != .none, state.writer.syncedOffset < state.writer.offset {
                    failure = synchronize(&state)
                }
                do throws(StorageError) { try fileIO.close(state.writer.file) } catch { failure = failure ?? error }
                state.closed = true
                if let failure { return (.failure(failure), readOnly(after: failure)) }
                return (.success(0), nil)
            }
        }
    }

    /// `fdatasync`s the current file; returns the error instead of throwing so callers can fail the group.
    private func synchronize(_ state: inout FileState) -> StorageError? {
        state.syncCount += 1
        do throws(StorageError) {
            try state.writer.synchronize()
        } catch {
            return error
        }
        state.lastSync = clock.now()
        return nil
    }

    private func readOnly(after error: StorageError) -> StorageError {
        StorageError(
            .readOnly, "the WAL refuses writes after a failed sync (\(error.code)); reopen to recover from disk",
            file: error.file)
    }

    private func startFlusher(period: Duration) {
        let clock = self.clock
        let task = Task.detached { [weak self] in
            while !Task.isCancelled {
                do { try await clock.sleep(period) } catch { return }
                guard let self else { return }
                do { try await self.synchronizeIfDue() } catch { return }
            }
        }
        flusher.withLock { $0 = task }
    }
}

/// The open log file, owned by whichever thread leads.
struct FileState: ~Copyable {
    var writer: WALWriter
    /// Log files still present, oldest first, with the sequence number each starts at.
    var live: [(number: UInt64, firstSequence: UInt64)]
    var lastSync: Duration
    var syncCount: Int
    var closed = false
}

/// A clock reduced to what the WAL needs, so `WAL` is not generic over the clock type.
struct WALClock: Sendable {
    /// Time since an arbitrary fixed point of this clock.
    let now: @Sendable () -> Duration
    /// Suspends for `duration` of this clock's time.
    let sleep: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        now = { origin.duration(to: clock.now) }
        sleep = { duration in try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil) }
    }
}
