package import QuiverStorage
package import SystemPackage

/// The one repair `quiver verify --fix` makes: truncating a torn tail off the newest log file, as
/// the engine's own recovery would at open (reliability spec T15: `--fix` truncates the tail only).
///
/// Damage anywhere else (a damaged record followed by later ones, a segment, the manifest) is
/// left alone: repairing it loses acknowledged data, which takes an explicit salvage.
package enum DataDirectoryRepair {
    /// What ``truncateTornLogTail(directory:fileIO:)`` removed.
    package struct Truncation: Sendable, Hashable {
        /// The log file's name.
        package var file: String
        /// Its size before.
        package var oldSize: Int64
        /// Its size after: the end of its last intact record.
        package var newSize: Int64
        /// Why the bytes were unreadable.
        package var reason: String
    }

    /// Truncates the newest log file to the end of its last intact record when it ends in a torn
    /// tail; does nothing otherwise.
    ///
    /// Holds `LOCK` while it works and syncs the file after truncating.
    ///
    /// - Parameters:
    ///   - directory: The data directory.
    ///   - fileIO: The file system. Default: the operating system's.
    /// - Returns: What was removed, or `nil` when the newest log file has no torn tail (or there is none).
    /// - Throws: ``EngineError/Code/locked`` when another process has the directory open;
    ///   ``EngineError/Code/corruption`` when the damage is not a torn tail (later records follow it);
    ///   ``EngineError/Code/io`` when a file cannot be read, truncated or synced.
    package static func truncateTornLogTail(
        directory: FilePath, fileIO: any FileIO = PosixFileIO()
    ) throws(EngineError) -> Truncation? {
        let layout = DataDirectoryLayout(root: directory)
        let lock: DataDirectoryLock
        do {
            lock = try DataDirectoryLock.acquire(fileIO: fileIO, layout: layout)
        } catch {
            if error.code == .io(.wouldBlock) { throw EngineError(.locked, error.message) }
            throw EngineError(error)
        }
        defer { try? lock.release() }
        do {
            guard let number = DataDirectoryLayout.walNumbers(in: try fileIO.contentsOfDirectory(directory)).last else {
                return nil
            }
            let path = layout.walFile(number)
            let file = try fileIO.open(path, access: .readWrite, options: [])
            defer { try? fileIO.close(file) }
            var torn: WALReadReport?
            var reader = try WALReader(fileIO: fileIO, file: file, path: path, mode: .tolerateCorruptedTail) { region in
                if region.kind == .tornTail { torn = region }
            }
            while try reader.next() != nil {}
            guard reader.status == .droppedTail, let torn else { return nil }
            try fileIO.resize(file, to: reader.validEnd)
            try fileIO.synchronize(file, dataOnly: false)
            return Truncation(
                file: DataDirectoryLayout.name(of: .wal(number)), oldSize: reader.fileSize, newSize: reader.validEnd,
                reason: torn.reason)
        } catch {
            throw EngineError(error)
        }
    }

    /// Truncates a torn tail of the newest log file in the directory at the path `directory`; see
    /// ``truncateTornLogTail(directory:fileIO:)-(FilePath,_)``.
    package static func truncateTornLogTail(
        directory: String, fileIO: any FileIO = PosixFileIO()
    ) throws(EngineError) -> Truncation? {
        try truncateTornLogTail(directory: FilePath(directory), fileIO: fileIO)
    }
}
