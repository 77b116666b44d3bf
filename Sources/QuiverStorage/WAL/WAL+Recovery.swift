public import SystemPackage

extension WAL {
    /// Opens the log in `directory`: replays every record after `checkpoint` from the existing
    /// log files in order, repairs a torn tail, and starts a new log file for appends.
    ///
    /// Recovery follows ``WALConfiguration/recoveryMode``. Under the default
    /// ``WALRecoveryMode/tolerateCorruptedTail``, a torn tail is truncated (and reported), an
    /// unreadable newest file (a crash while creating it) is removed (and reported), and any damage
    /// followed by data that was written after the damaged bytes were durable stops the open with
    /// ``StorageError/Code/corruption`` naming the file and offset. Under
    /// ``WALRecoveryMode/pointInTime`` the files after the first damage are removed.
    ///
    /// - Parameters:
    ///   - directory: The data directory; it must exist.
    ///   - fileIO: The file system. Default: ``PosixFileIO``.
    ///   - configuration: Durability and recovery settings.
    ///   - clock: Times `interval` syncs. Default: `ContinuousClock`; tests pass a manual clock.
    ///   - checkpoint: Records with sequence numbers at most this are already applied elsewhere
    ///     and are not replayed.
    ///   - reporter: Receives each dropped or skipped region and each removed file.
    ///   - replay: Called with each record after `checkpoint`, in sequence order.
    /// - Returns: The open log; appends continue after the last recovered sequence number.
    /// - Throws: ``StorageError``, or what `replay` throws.
    /// - Complexity: O(total size of the log files).
    public static func open<C: Clock>(
        directory: FilePath, fileIO: any FileIO = PosixFileIO(), configuration: WALConfiguration = WALConfiguration(),
        clock: C, checkpoint: UInt64 = 0, reporter: (WALReadReport) -> Void = { _ in },
        replay: (WALRecord) throws -> Void
    ) throws -> WAL where C.Duration == Duration {
        let layout = DataDirectoryLayout(root: directory)
        var recovery = Recovery(layout: layout, fileIO: fileIO, mode: configuration.recoveryMode, checkpoint: checkpoint)
        try withoutActuallyEscaping(reporter) { reporter in try recovery.run(reporter: reporter, replay: replay) }
        let number = (recovery.numbers.last ?? 0) + 1
        let writer = try createLogFile(
            fileIO: fileIO, layout: layout, number: number, firstSequence: recovery.lastSequence + 1)
        let walClock = WALClock(clock)
        let files = FileState(
            writer: writer, live: recovery.live + [(number, recovery.lastSequence + 1)], lastSync: walClock.now(), syncCount: 1)
        return WAL(
            layout: layout, configuration: configuration, fileIO: fileIO, clock: walClock, files: files,
            lastSequence: recovery.lastSequence)
    }

    /// Opens the log with the continuous clock; see ``open(directory:fileIO:configuration:clock:checkpoint:reporter:replay:)``.
    public static func open(
        directory: FilePath, fileIO: any FileIO = PosixFileIO(), configuration: WALConfiguration = WALConfiguration(),
        checkpoint: UInt64 = 0, reporter: (WALReadReport) -> Void = { _ in }, replay: (WALRecord) throws -> Void
    ) throws -> WAL {
        try open(
            directory: directory, fileIO: fileIO, configuration: configuration, clock: ContinuousClock(),
            checkpoint: checkpoint, reporter: reporter, replay: replay)
    }

    /// Creates log file `number` with a fresh random salt, writes its header, and makes file and
    /// directory entry durable, so no acknowledged record can land in a file that might vanish.
    static func createLogFile(
        fileIO: any FileIO, layout: DataDirectoryLayout, number: UInt64, firstSequence: UInt64
    ) throws(StorageError) -> WALWriter {
        let path = layout.walFile(number)
        let file = try fileIO.open(path, access: .readWrite, options: [.create, .exclusiveCreate])
        do {
            let salt = UInt32.random(in: 1...UInt32.max)
            var writer = try WALWriter(
                fileIO: fileIO, file: file, path: path, header: WALFileHeader(salt: salt, logNumber: number, firstSequence: firstSequence))
            try writer.synchronize()
            try fileIO.synchronizeDirectory(layout.root)
            return writer
        } catch {
            try? fileIO.close(file)
            try? fileIO.remove(path)
            throw error
        }
    }
}

/// One recovery pass over the log files of a directory.
private struct Recovery {
    let layout: DataDirectoryLayout
    let fileIO: any FileIO
    let mode: WALRecoveryMode
    let checkpoint: UInt64
    /// Log file numbers found, ascending.
    var numbers: [UInt64] = []
    /// Files kept, with their first sequence numbers.
    var live: [(number: UInt64, firstSequence: UInt64)] = []
    /// The last sequence number recovered (or the checkpoint, if later).
    var lastSequence: UInt64

    init(layout: DataDirectoryLayout, fileIO: any FileIO, mode: WALRecoveryMode, checkpoint: UInt64) {
        self.layout = layout
        self.fileIO = fileIO
        self.mode = mode
        self.checkpoint = checkpoint
        self.lastSequence = checkpoint
    }

    mutating func run(reporter: @escaping (WALReadReport) -> Void, replay: (WALRecord) throws -> Void) throws {
        numbers = DataDirectoryLayout.walNumbers(in: try fileIO.contentsOfDirectory(layout.root))
        var previousEnd: UInt64? = nil
        var stopped = false
        var changedDirectory = false
        for (index, number) in numbers.enumerated() {
            let path = layout.walFile(number)
            if stopped {
                try drop(path, reason: "after a point-in-time stop", reporter: reporter)
                changedDirectory = true
                continue
            }
            let isNewest = index == numbers.count - 1
            let file = try fileIO.open(path, access: .readOnly, options: [])
            var reader: WALReader
            do {
                reader = try WALReader(fileIO: fileIO, file: file, path: path, mode: mode, reporter: reporter)
            } catch StorageError.corruption {
                let tornCreation = isNewest && mode != .absoluteConsistency && (try? isTornCreation(file)) == true
                try? fileIO.close(file)
                if tornCreation {
                    try drop(path, reason: "unreadable header of the newest log file (a crash while creating it)", reporter: reporter)
                    changedDirectory = true
                    continue
                }
                switch mode {
                case .skipCorrupted:
                    reporter(WALReadReport(kind: .droppedFile, file: path, offset: 0, byteCount: 0, reason: "unreadable header; skipped"))
                    continue
                case .pointInTime:
                    try drop(path, reason: "unreadable header", reporter: reporter)
                    changedDirectory = true
                    stopped = true
                    continue
                case .tolerateCorruptedTail, .absoluteConsistency:
                    throw StorageError(.corruption, "WAL file header is damaged", file: path, offset: 0)
                }
            } catch {
                try? fileIO.close(file)
                throw error
            }
            defer { try? fileIO.close(file) }

            let header = reader.header
            let expectedStart = previousEnd.map { $0 + 1 } ?? header.firstSequence
            let gap = header.logNumber != number || header.firstSequence == 0 || header.firstSequence != expectedStart
                || (previousEnd == nil && header.firstSequence > checkpoint + 1)
            if gap {
                let reason =
                    header.logNumber != number
                    ? "the header names log \(header.logNumber)"
                    : "records \(min(expectedStart, checkpoint + 1))..<\(header.firstSequence) are missing before this file"
                switch mode {
                case .tolerateCorruptedTail, .absoluteConsistency:
                    throw StorageError(.corruption, "WAL files do not join up: \(reason)", file: path, offset: 0)
                case .pointInTime:
                    try drop(path, reason: reason, reporter: reporter)
                    changedDirectory = true
                    stopped = true
                    continue
                case .skipCorrupted:
                    reporter(WALReadReport(kind: .skippedCorruption, file: path, offset: 0, byteCount: 0, reason: reason))
                }
            }
            while let record = try reader.next() {
                if record.sequence > checkpoint { try replay(record) }
            }
            let end = reader.lastSequence ?? (header.firstSequence - 1)
            previousEnd = end
            lastSequence = max(lastSequence, end)
            if (reader.validEnd < reader.fileSize && mode != .skipCorrupted) || reader.status == .droppedTail {
                try truncate(path, to: reader.validEnd)
            }
            if reader.status == .stoppedAtCorruption { stopped = true }
            live.append((number, header.firstSequence))
        }
        if changedDirectory { try fileIO.synchronizeDirectory(layout.root) }
    }

    /// Whether an unreadable header looks like a crash during creation: nothing but zeros after it.
    private func isTornCreation(_ file: FileIOHandle) throws(StorageError) -> Bool {
        let size = try fileIO.size(of: file)
        let headerSize = Int64(WALFormat.FileHeader.size)
        guard size > headerSize else { return true }
        var offset = headerSize
        while offset < size {
            let chunk = try fileIO.read(file, fromAbsoluteOffset: offset, count: Int(min(size - offset, 1 << 16)))
            guard !chunk.isEmpty, chunk.allSatisfy({ $0 == 0 }) else { return false }
            offset += Int64(chunk.count)
        }
        return true
    }

    private func drop(_ path: FilePath, reason: String, reporter: (WALReadReport) -> Void) throws(StorageError) {
        let size: Int64
        do {
            let file = try fileIO.open(path, access: .readOnly, options: [])
            defer { try? fileIO.close(file) }
            size = try fileIO.size(of: file)
        }
        reporter(WALReadReport(kind: .droppedFile, file: path, offset: 0, byteCount: size, reason: reason))
        try fileIO.remove(path)
    }

    private func truncate(_ path: FilePath, to size: Int64) throws(StorageError) {
        let file = try fileIO.open(path, access: .readWrite, options: [])
        defer { try? fileIO.close(file) }
        try fileIO.resize(file, to: size)
        try fileIO.synchronize(file, dataOnly: false)
    }
}
