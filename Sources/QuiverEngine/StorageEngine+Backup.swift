internal import QuiverIndex
internal import QuiverStorage
public import SystemPackage

extension StorageEngine {
    /// Writes a consistent copy of the database, as of this call, into the new directory
    /// `destination`: hard links of the immutable segments, copies of the log files up to the
    /// current sequence number, and a fresh manifest. Opening the copy gives exactly the state at
    /// the backup point. Writes pause only while the log rotates; flushes and compactions wait
    /// until the backup is done.
    ///
    /// - Returns: The sequence number of the last write the backup holds.
    /// - Throws: ``EngineError``; `alreadyExists` when `destination` exists and is not empty.
    @discardableResult
    public func backup(to destination: FilePath) throws(EngineError) -> UInt64 {
        try maintenance.withLock { () throws(EngineError) -> UInt64 in
            if let failure = failure.withLock({ $0 }) { throw failure }
            do {
                if let existing = try? fileIO.contentsOfDirectory(destination) {
                    guard existing.isEmpty else { throw EngineError(.alreadyExists, "backup destination \(destination) is not empty") }
                } else {
                    try fileIO.createDirectory(destination)
                    // The backup's own directory entry must survive a power loss too.
                    let parent = destination.removingLastComponent()
                    try fileIO.synchronizeDirectory(parent.isEmpty ? "." : parent)
                }
                // The files that hold the state at `sequence`: rotation closes the log file, so the
                // closed files hold exactly the records up to it.
                let (sequence, state, logs) = try gate.withWriteLock { () throws -> (UInt64, ManifestState, [UInt64]) in
                    let sequence = wal.lastSequence
                    _ = try wal.rotate()
                    let logs = wal.liveLogNumbers.dropLast()
                    return (sequence, manifest.state, Array(logs))
                }
                KillPoint.hit("engine.backup.afterRotate")
                let target = DataDirectoryLayout(root: destination)
                for segment in state.segments {
                    try fileIO.link(layout.segmentFile(segment.number), to: target.segmentFile(segment.number))
                }
                // Log files are copied, not linked: recovery of this directory may truncate a torn
                // tail of the live file, which must not change the backup.
                for number in logs {
                    let bytes = try fileIO.readContents(of: layout.walFile(number))
                    let file = try fileIO.open(target.walFile(number), access: .readWrite, options: [.create, .exclusiveCreate])
                    try fileIO.write(file, toAbsoluteOffset: 0, bytes)
                    try fileIO.synchronize(file, dataOnly: false)
                    try fileIO.close(file)
                }
                KillPoint.hit("engine.backup.afterCopy")
                // The links and copies must be durable entries before any manifest names them: the
                // manifest's bytes can reach the disk before its own sync (reliability spec T16 rule 1).
                try fileIO.synchronizeDirectory(destination)
                var snapshot = ManifestEdit()
                snapshot.addedSegments = state.segments
                snapshot.catalogSet = state.catalog
                snapshot.checkpointSequence = state.checkpointSequence
                snapshot.nextFileNumber = manifest.newFileNumber()
                let copy = try Manifest.create(fileIO: fileIO, layout: target, initial: snapshot)
                try copy.close()
                KillPoint.hit("engine.backup.afterManifest")
                try fileIO.synchronizeDirectory(destination)
                return sequence
            } catch {
                throw Self.wrap(error)
            }
        }
    }
}
