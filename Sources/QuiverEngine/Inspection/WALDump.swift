package import QuiverStorage
package import SystemPackage

/// Reads every record of a data directory's log files, oldest first, for `quiver wal-dump`.
///
/// Read-only and tolerant: damaged regions are skipped (``WALRecoveryMode/skipCorrupted``) and
/// reported as entries, records that do not decode are reported with the error, and a file whose
/// header is unreadable is reported and passed over.
package enum WALDump {
    /// One thing found in the log.
    package enum Entry: Sendable {
        /// The start of a log file whose header was read: its size and the sequence number its
        /// first record has (or would have).
        case file(file: String, bytes: Int64, firstSequence: UInt64)
        /// A record: where it is, its sequence number and size, and its batch or why it does not decode.
        case record(file: String, offset: Int64, sequence: UInt64, bytes: Int, batch: Result<WriteBatch, EngineError>)
        /// Bytes that are not records: a torn tail, a zero-filled tail, a damaged region (`what`).
        case skipped(file: String, offset: Int64, bytes: Int64, what: String, reason: String)
        /// A file that could not be read at all.
        case unreadable(file: String, reason: String)

        /// Whether this is a skipped region (reported with the record before it).
        package var isSkipped: Bool {
            if case .skipped = self { return true }
            return false
        }
    }

    /// Calls `body` with each entry of every log file in `directory`, in file and offset order,
    /// until it returns `false`.
    ///
    /// - Parameters:
    ///   - directory: The data directory.
    ///   - fileIO: The file system. Default: the operating system's.
    ///   - body: Receives each entry; returns whether to go on.
    /// - Throws: ``EngineError/Code/notFound`` when the directory does not exist; ``EngineError/Code/io``
    ///   when it cannot be listed.
    /// - Complexity: O(total size of the log files).
    package static func forEachEntry(
        in directory: FilePath, fileIO: any FileIO = PosixFileIO(), _ body: (Entry) -> Bool
    ) throws(EngineError) {
        let layout = DataDirectoryLayout(root: directory)
        let names: [String]
        do {
            names = try fileIO.contentsOfDirectory(directory)
        } catch {
            if error.code == .notFound { throw EngineError(.notFound, "\(directory): no such directory") }
            throw EngineError(error)
        }
        for number in DataDirectoryLayout.walNumbers(in: names) {
            let name = DataDirectoryLayout.name(of: .wal(number))
            guard dump(layout.walFile(number), name: name, fileIO: fileIO, body) else { return }
        }
    }

    /// Calls `body` with each entry of the log files in the directory at the path `directory`; see
    /// ``forEachEntry(in:fileIO:_:)-(FilePath,_,_)``.
    package static func forEachEntry(
        in directory: String, fileIO: any FileIO = PosixFileIO(), _ body: (Entry) -> Bool
    ) throws(EngineError) {
        try forEachEntry(in: FilePath(directory), fileIO: fileIO, body)
    }

    private static func describe(_ kind: WALReadReport.Kind) -> String {
        switch kind {
        case .tornTail: "torn tail"
        case .zeroFilledTail: "zero-filled tail"
        case .droppedAfterCorruption: "dropped after corruption"
        case .skippedCorruption: "damaged region"
        case .droppedFile: "dropped file"
        }
    }

    /// Dumps one file; returns `false` when `body` asked to stop.
    private static func dump(_ path: FilePath, name: String, fileIO: any FileIO, _ body: (Entry) -> Bool) -> Bool {
        let file: FileIOHandle
        do {
            file = try fileIO.open(path, access: .readOnly, options: [])
        } catch {
            return body(.unreadable(file: name, reason: error.message))
        }
        defer { try? fileIO.close(file) }
        var pending: [WALReadReport] = []
        var reader: WALReader
        do {
            reader = try WALReader(fileIO: fileIO, file: file, path: path, mode: .skipCorrupted) { pending.append($0) }
        } catch {
            return body(.unreadable(file: name, reason: error.message))
        }
        guard body(.file(file: name, bytes: reader.fileSize, firstSequence: reader.header.firstSequence)) else {
            return false
        }
        func flushSkipped() -> Bool {
            defer { pending.removeAll() }
            for region in pending {
                let entry = Entry.skipped(
                    file: name, offset: region.offset, bytes: region.byteCount, what: describe(region.kind),
                    reason: region.reason)
                guard body(entry) else { return false }
            }
            return true
        }
        while true {
            let record: WALRecord?
            do {
                record = try reader.next()
            } catch {
                guard flushSkipped() else { return false }
                return body(.unreadable(file: name, reason: "\(error.message) at offset \(error.offset ?? 0)"))
            }
            guard flushSkipped() else { return false }
            guard let record else { return true }
            let batch = Result { () throws(EngineError) in try WriteBatch(encoded: record.payload) }
            let entry = Entry.record(
                file: name, offset: record.offset, sequence: record.sequence, bytes: record.payload.count, batch: batch)
            guard body(entry) else { return false }
        }
    }
}
