import QuiverEngine
import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

/// I/O error injection into the storage engine (reliability spec T5) through FaultyFileIO over
/// SimFS: the error reaches the caller as a typed error, nothing traps, nothing unacknowledged is
/// reported as written, and a reopen with the faults gone recovers every acknowledged write.
@Suite struct FaultInjectionTests {
    static let directory: FilePath = "/db"

    static func upsert(_ engine: StorageEngine, _ index: Int) throws {
        try engine.upsert("k\(index)", vector: workloadVector(index), attributes: [UInt8(index & 0xFF)], in: "items")
    }

    static func expected(_ indexes: some Sequence<Int>) -> RecoveredState {
        var state = RecoveredState(hasCollection: true)
        for index in indexes {
            state.rows["k\(index)"] = RecoveredState.Row(
                vector: workloadVector(index), attributes: [UInt8(index & 0xFF)])
        }
        return state
    }

    static let universe = (0..<200).map { "k\($0)" }

    /// Opens the directory on `fileIO`, reads it and closes it.
    static func reopen(_ fileIO: any FileIO, sourceLocation: SourceLocation = #_sourceLocation) throws -> RecoveredState
    {
        let engine = try StorageEngine.open(directory: directory, options: .crashTest(fileIO: fileIO))
        let state = try RecoveredState.read(
            engine, collection: "items", universe: universe, sourceLocation: sourceLocation)
        try engine.close()
        return state
    }

    /// A directory with ten acknowledged rows in its log, open on `io`.
    static func engineWithTenRows() throws -> (SimFS, FaultyFileIO, StorageEngine) {
        let fs = freshDataDirectoryFS()
        let io = FaultyFileIO(wrapping: fs)
        let engine = try StorageEngine.open(directory: directory, options: .crashTest(fileIO: io))
        try engine.createCollection(workloadDefinition())
        for i in 0..<10 { try upsert(engine, i) }
        return (fs, io, engine)
    }

    static func code(_ error: any Error) -> EngineError.Code? { (error as? EngineError)?.code }

    // MARK: Log

    /// fsyncgate rule: a failed log sync fails the write and turns the engine read-only (never
    /// retried), even after the disk recovers. What the reopen shows of the failed write depends
    /// on the crash: its bytes reached the file before the sync failed, so a reopen of the same
    /// file system (a process restart) shows it, and a power loss (synced-only image) does not.
    /// Either is allowed: the caller got an error, so the write's outcome is unknown.
    @Test(arguments: [Errno.ioError, .noSpace])
    func failedLogSyncFailsTheWriteAndTurnsTheEngineReadOnly(errno: Errno) throws {
        let (fs, io, engine) = try Self.engineWithTenRows()
        io.inject(.init([.synchronize], .once(1), .error(errno)))
        #expect { try Self.upsert(engine, 10) } throws: { Self.code($0) != nil && Self.code($0) != .readOnly }
        #expect { try Self.upsert(engine, 11) } throws: { Self.code($0) == .readOnly }
        io.clearFaults()
        #expect { try Self.upsert(engine, 11) } throws: { Self.code($0) == .readOnly }
        #expect { try engine.flush() } throws: { Self.code($0) == .readOnly }
        #expect(try Self.reopen(fs.crashImage(policy: .syncedOnly)) == Self.expected(0..<10))
        _ = try? engine.close()
        #expect(fs.openHandleCount == 0, "the failed engine leaked \(fs.openHandleCount) handles")
        #expect(try Self.reopen(fs) == Self.expected(0...10))
    }

    /// RocksDB rule: `ENOSPC` on a log write (not a sync) is a soft error: that write is rolled
    /// back and rejected, earlier writes stay, and writing resumes once space returns.
    @Test(arguments: [
        FaultyFileIO.Fault.error(.noSpace), .shortWrite(.noSpace), .error(.ioError), .shortWrite(.ioError),
    ])
    func failedLogWriteRejectsOnlyThatWrite(fault: FaultyFileIO.Fault) throws {
        let (fs, io, engine) = try Self.engineWithTenRows()
        io.inject(.init([.write], .once(1), fault))
        #expect { try Self.upsert(engine, 10) } throws: { error in
            if case .error(.noSpace) = fault { return Self.code(error) == .resourceExhausted }
            if case .shortWrite(.noSpace) = fault { return Self.code(error) == .resourceExhausted }
            return Self.code(error) == .io
        }
        try Self.upsert(engine, 11)
        #expect(
            try RecoveredState.read(engine, collection: "items", universe: Self.universe)
                == Self.expected((0..<10).map { $0 } + [11]))
        #expect(try Self.reopen(fs.crashImage(policy: .syncedOnly)) == Self.expected((0..<10).map { $0 } + [11]))
        try engine.close()
        #expect(try Self.reopen(fs) == Self.expected((0..<10).map { $0 } + [11]))
    }

    // MARK: Flush and compaction

    /// A maintenance job whose every fallible call gets its turn to fail.
    enum Job: String, Sendable, CustomStringConvertible {
        case flush, compaction
        var description: String { rawValue }

        /// Rows the directory holds after ``prepare()``.
        var rows: Range<Int> { 1..<(self == .flush ? 80 : 85) }

        /// A directory ready for the job, open on a FaultyFileIO without faults. For a flush: one
        /// segment (rows 0..<40), 40 more rows and a delete of k0 in the log. For a compaction:
        /// three segments (the third holds the delete of k0) and 5 rows in the log.
        func prepare() throws -> (SimFS, FaultyFileIO, StorageEngine) {
            let fs = freshDataDirectoryFS()
            let io = FaultyFileIO(wrapping: fs)
            let engine = try StorageEngine.open(directory: directory, options: .crashTest(fileIO: io))
            try engine.createCollection(workloadDefinition())
            switch self {
            case .flush:
                for i in 0..<40 { try upsert(engine, i) }
                try engine.flush()
                for i in 40..<80 { try upsert(engine, i) }
                try engine.delete("k0", in: "items")
            case .compaction:
                for chunk in 0..<3 {
                    for i in chunk * 27..<(chunk + 1) * 27 { try upsert(engine, i) }
                    if chunk == 2 { try engine.delete("k0", in: "items") }
                    try engine.flush()
                }
                for i in 81..<85 { try upsert(engine, i) }
                try upsert(engine, 80)
            }
            return (fs, io, engine)
        }

        func run(_ engine: StorageEngine) throws(EngineError) {
            switch self {
            case .flush: try engine.flush()
            case .compaction: try engine.compact("items")
            }
        }
    }

    struct Fault: Sendable, CustomStringConvertible {
        var operation: FaultyFileIO.Operation
        var k: Int
        var description: String { "\(operation) #\(k)" }
    }

    /// Every fallible call a flush or compaction makes, each failed in turn with `EIO`: the job
    /// throws (or, for a call whose failure it may ignore, succeeds); after a failed sync the
    /// engine refuses writes (a failed flush always does); no unpublished segment or temporary
    /// file stays behind; and reopens, from the same files and from a power-loss image, show
    /// every row.
    @Test(arguments: [Job.flush, .compaction])
    func everyIOErrorDuringAJobKeepsTheDataAndLeavesNoUnreferencedFile(job: Job) throws {
        let (_, dryIO, dryEngine) = try job.prepare()
        let start = dryIO.trace.count
        try job.run(dryEngine)
        let calls = dryIO.trace[start...]
        let kinds: [FaultyFileIO.Operation] = [
            .open, .write, .synchronize, .resize, .map, .rename, .remove, .createDirectory, .synchronizeDirectory,
            .contentsOfDirectory,
        ]
        var faults: [Fault] = []
        for kind in kinds {
            for k in 0..<calls.count(where: { $0.operation == kind }) {
                faults.append(Fault(operation: kind, k: k + 1))
            }
        }
        #expect(faults.count >= 10, "the \(job) made only \(faults.count) fallible calls: \(Array(calls))")
        let expected = Self.expected(job.rows)
        var failed = 0
        for fault in faults {
            let (fs, io, engine) = try job.prepare()
            let segmentsBefore = Set(try fs.contentsOfDirectory(Self.directory).filter { $0.hasSuffix(".seg") })
            io.inject(.init([fault.operation], .once(fault.k), .error(.ioError)))
            let jobError: EngineError?
            do {
                try job.run(engine)
                jobError = nil
            } catch {
                jobError = error
            }
            io.clearFaults()
            if let jobError {
                failed += 1
                #expect(jobError.code != .readOnly, "\(job), \(fault): \(jobError)")
                // Reliability spec 8.0.6: a failed flush or compaction leaves the engine read-only.
                #expect { try Self.upsert(engine, 100) } throws: { Self.code($0) == .readOnly }
                // Outputs nothing refers to are gone: what is left is what the manifest, as
                // written so far, names.
                let image = fs.crashImage(policy: .allIssued)
                let (manifest, state) = try Manifest.open(
                    fileIO: image, layout: DataDirectoryLayout(root: Self.directory))
                try manifest.close()
                let names = try fs.contentsOfDirectory(Self.directory)
                let leftovers = orphanFiles(in: names, state: state).filter { name in
                    name.hasSuffix(".tmp") || (name.hasSuffix(".seg") && !segmentsBefore.contains(name))
                }
                #expect(leftovers.isEmpty, "\(job), \(fault): the failed job left \(leftovers) (\(jobError))")
            }
            _ = try? engine.close()
            #expect(fs.openHandleCount == 0, "\(job), \(fault): \(fs.openHandleCount) handles leaked")
            var reopened = try Self.reopen(fs)
            reopened.rows["k100"] = nil  // written when a failed compaction left the engine writable
            #expect(reopened == expected, "\(job), \(fault)")
            let names = try fs.contentsOfDirectory(Self.directory)
            #expect(!names.contains { $0.hasSuffix(".tmp") }, "\(job), \(fault): \(names)")
            var afterPowerLoss = try Self.reopen(fs.crashImage(policy: .syncedOnly))
            afterPowerLoss.rows["k100"] = nil
            #expect(afterPowerLoss == expected, "\(job), \(fault), synced-only")
        }
        print("FaultInjectionTests: \(job): \(faults.count) faults, \(failed) failed the job")
    }

    // MARK: Open

    /// `EIO` opening or mapping a segment during open: the open fails with an error naming the
    /// segment, leaks nothing (the lock is released), and a later open without the fault works.
    @Test(arguments: [FaultyFileIO.Operation.open, .map])
    func ioErrorReadingASegmentAtOpenFailsTheOpenCleanly(operation: FaultyFileIO.Operation) throws {
        let fs = freshDataDirectoryFS()
        do {
            let engine = try StorageEngine.open(directory: Self.directory, options: .crashTest(fileIO: fs))
            try engine.createCollection(workloadDefinition())
            for i in 0..<30 { try Self.upsert(engine, i) }
            try engine.flush()
            for i in 30..<60 { try Self.upsert(engine, i) }
            try engine.flush()
            for i in 60..<65 { try Self.upsert(engine, i) }
            try engine.abandonForTesting()
        }
        // Which call of `operation` touches the first segment.
        let dry = FaultyFileIO(wrapping: fs)
        try StorageEngine.open(directory: Self.directory, options: .crashTest(fileIO: dry)).abandonForTesting()
        let calls = dry.trace.filter { $0.operation == operation }
        let k = try #require(calls.firstIndex { $0.path?.string.hasSuffix(".seg") == true }) + 1
        let io = FaultyFileIO(wrapping: fs, rules: [.init([operation], .once(k), .error(.ioError))])
        #expect {
            try StorageEngine.open(directory: Self.directory, options: .crashTest(fileIO: io))
        } throws: { error in
            Self.code(error) == .io && "\(error)".contains(".seg")
        }
        #expect(fs.openHandleCount == 0, "the failed open leaked \(fs.openHandleCount) handles")
        #expect(try Self.reopen(fs) == Self.expected(0..<65))
    }
}
