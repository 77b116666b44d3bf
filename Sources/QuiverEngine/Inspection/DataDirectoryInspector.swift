internal import QuiverIndex
package import QuiverStorage
package import SystemPackage

/// Reads a data directory without changing it and reports what it holds and what is wrong: the
/// engine of `quiver inspect` and `quiver verify` (reliability spec §8.1, integrity checker).
///
/// Nothing is written: no recovery, no truncation, no new file. When `LOCK` exists and is free the
/// inspector holds it while reading, so no engine changes the files meanwhile; when another
/// process holds it the report says the directory is in use (the newest log may still grow, so
/// its tail is not judged).
///
/// ``inspect()`` reads the manifest, opens every segment (header, footer, section table, the small
/// sections the engine checks at open) and reads every log record. ``verify()`` also checks every
/// byte of every segment (``SegmentFile/verifyAll()``), each segment's HNSW invariants and key
/// tables, and decodes every log record.
package struct DataDirectoryInspector {
    /// The data directory.
    package let directory: FilePath
    let fileIO: any FileIO
    let layout: DataDirectoryLayout
    var report: DataDirectoryReport
    var verifying = false
    /// The directory's entries, read once.
    var names: Set<String> = []

    /// An inspector of `directory`.
    ///
    /// - Parameters:
    ///   - directory: The data directory.
    ///   - fileIO: The file system. Default: the operating system's.
    package init(directory: FilePath, fileIO: any FileIO = PosixFileIO()) {
        self.directory = directory
        self.fileIO = fileIO
        self.layout = DataDirectoryLayout(root: directory)
        self.report = DataDirectoryReport(directory: directory, lock: .absent)
    }

    /// An inspector of the directory at the path `directory`; see ``init(directory:fileIO:)-(FilePath,_)``.
    package init(directory: String, fileIO: any FileIO = PosixFileIO()) {
        self.init(directory: FilePath(directory), fileIO: fileIO)
    }

    /// Summarises the directory; findings are what the summary met (unreadable files, torn tails,
    /// orphans, missing files), not a full check.
    ///
    /// - Throws: ``EngineError/Code/notFound`` when the directory does not exist or holds no
    ///   database (no `CURRENT` and no data files); ``EngineError/Code/io`` when it cannot be listed.
    /// - Complexity: O(manifest + log files + section tables).
    package func inspect() throws(EngineError) -> DataDirectoryReport {
        var inspector = self
        inspector.verifying = false
        return try inspector.run()
    }

    /// Summarises the directory and checks everything: every checksum of every file, each segment's
    /// HNSW invariants and key tables, every log record's decoding, the manifest against the listing.
    ///
    /// - Throws: As ``inspect()``; damage is reported in the findings, never thrown.
    /// - Complexity: O(size of the directory's files) plus O(n × M) per segment of n rows.
    package func verify() throws(EngineError) -> DataDirectoryReport {
        var inspector = self
        inspector.verifying = true
        return try inspector.run()
    }

    // MARK: The pass

    private mutating func run() throws(EngineError) -> DataDirectoryReport {
        let listing: [String]
        do {
            listing = try fileIO.contentsOfDirectory(directory)
        } catch {
            if error.code == .notFound { throw EngineError(.notFound, "\(directory): no such directory") }
            throw EngineError(error)
        }
        names = Set(listing)
        report = DataDirectoryReport(directory: directory, lock: .absent)
        report.isVerified = verifying
        let lock = takeLockIfFree()
        defer { try? lock?.release() }

        let contents: ManifestContents?
        do {
            contents = try Manifest.read(fileIO: fileIO, layout: layout)
        } catch {
            if error.code == .notFound {
                throw EngineError(.notFound, "\(directory) holds no Quiver database (no CURRENT and no data files)")
            }
            damage(error, "the manifest cannot be read; the engine refuses to open")
            contents = nil
        }
        if let contents { summarise(contents) }
        let state = contents?.state
        if let state {
            checkCollections(state)
            report.orphans = orphanFiles(in: listing, state: state)
            for name in report.orphans {
                report.findings.append(
                    DataDirectoryFinding(.warning, file: name, "orphan file: the engine deletes it at open"))
            }
        } else {
            checkUnlistedSegments(listing)
        }
        checkLogs(checkpoint: state?.checkpointSequence)
        return report
    }

    /// Takes `LOCK` when it exists and is free; never creates it.
    private mutating func takeLockIfFree() -> DataDirectoryLock? {
        let name = DataDirectoryLayout.name(of: .lock)
        guard names.contains(name) else {
            report.lock = .absent
            return nil
        }
        do {
            let lock = try DataDirectoryLock.acquire(fileIO: fileIO, layout: layout)
            report.lock = .free
            return lock
        } catch {
            report.lock = error.code == .io(.wouldBlock) ? .inUse : .notTaken
            let why =
                error.code == .io(.wouldBlock)
                ? "another process has the directory open" : "LOCK cannot be taken (\(error.message))"
            report.findings.append(
                DataDirectoryFinding(.warning, file: name, "\(why): files may change while they are read"))
            return nil
        }
    }

    private mutating func summarise(_ contents: ManifestContents) {
        let file = DataDirectoryLayout.name(of: .manifest(contents.number))
        report.manifest = DataDirectoryReport.ManifestSummary(
            file: file, number: contents.number, version: contents.version, records: contents.recordCount,
            bytes: contents.byteCount, checkpointSequence: contents.state.checkpointSequence,
            nextFileNumber: contents.state.nextFileNumber, tornTailBytes: contents.droppedTailByteCount)
        if let torn = contents.droppedTailByteCount {
            report.findings.append(
                DataDirectoryFinding(
                    .warning, file: file, offset: Int64(contents.byteCount - torn),
                    "torn last record (\(torn) bytes, never acknowledged): the engine drops it at open"))
        }
    }

    // MARK: Findings

    /// Records a storage error as damage, naming its file and offset.
    mutating func damage(_ error: StorageError, section: String? = nil, _ consequence: String? = nil) {
        let file = error.file?.lastComponent?.string
        var message = error.message
        if error.code != .corruption { message = "\(error.code): \(message)" }
        if let consequence { message += "; \(consequence)" }
        report.findings.append(
            DataDirectoryFinding(.damage, file: file, offset: error.offset, section: section, message))
    }

    /// Records `message` as damage in `file`.
    mutating func damage(_ file: String?, offset: Int64? = nil, section: String? = nil, _ message: String) {
        report.findings.append(DataDirectoryFinding(.damage, file: file, offset: offset, section: section, message))
    }
}
