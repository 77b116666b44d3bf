internal import QuiverIndex
public import SystemPackage

/// The log of the data directory's state: which segments are live, the WAL checkpoint, the
/// catalog, the next file number. Like LevelDB's `VersionSet` and `MANIFEST`.
///
/// `MANIFEST-NNNNNN` is a log of ``ManifestEdit`` records, the first a snapshot of the whole state;
/// `CURRENT` names the live manifest. ``apply(_:)`` appends one record and `fdatasync`s it before
/// the in-memory ``state`` changes, so an edit the caller saw succeed survives any crash.
///
/// **Rolling.** Once the file reaches ``ManifestConfiguration/rollSize``, the next edit goes into a
/// new manifest instead: its header and a snapshot of the new state, synced; its directory entry
/// synced; then `CURRENT` replaced through a temporary file (write, `fdatasync`, `rename`,
/// directory sync); then the old manifest is removed. `CURRENT` is never rewritten in place, so
/// a crash at any point leaves it naming a complete manifest: the old state or the new one.
///
/// **Failure policy** (reliability spec §8.0.6). Any I/O failure while applying an edit (a write
/// error, a failed `fdatasync`, a failed roll) leaves the manifest *failed*: the edit is not
/// applied, nothing is retried, and every later ``apply(_:)`` throws ``StorageError/Code/readOnly``.
/// Reopening recovers from the disk, where the unacknowledged record is at most a torn tail.
///
/// **File numbers.** Segments, manifests and the temporary files of both share one number space
/// (the names differ by suffix, but `NNNNNN.tmp` does not). Take new numbers from
/// ``newFileNumber()`` so a segment's temporary file and a roll's never collide; the next edit
/// records them in ``ManifestState/nextFileNumber``.
public final class Manifest: Sendable {
    /// The data directory's file names.
    public let layout: DataDirectoryLayout
    /// The configuration given at creation or open.
    public let configuration: ManifestConfiguration
    private let fileIO: any FileIO
    private let inner: Locked<Inner>

    private struct Inner: Sendable {
        var file: FileIOHandle?
        var number: UInt64
        var size: Int64
        /// The file size at which the next edit rolls.
        var rollThreshold: Int64
        var state: ManifestState
        /// The next number ``newFileNumber()`` hands out.
        var reservedNext: UInt64
        var failure: StorageError?
    }

    private init(
        fileIO: any FileIO, layout: DataDirectoryLayout, configuration: ManifestConfiguration, file: FileIOHandle,
        size: Int64,
        snapshotSize: Int64, state: ManifestState
    ) {
        self.fileIO = fileIO
        self.layout = layout
        self.configuration = configuration
        inner = Locked(
            Inner(
                file: file, number: state.manifestNumber, size: size,
                rollThreshold: Self.rollThreshold(configuration, snapshotSize: snapshotSize), state: state,
                reservedNext: state.nextFileNumber, failure: nil))
    }

    deinit {
        inner.withLock { inner in
            if let file = inner.file { try? fileIO.close(file) }
        }
    }

    // MARK: Creating and opening

    /// Starts the manifest of a new data directory: `MANIFEST-NNNNNN` holding `initial` (as the
    /// first snapshot), then `CURRENT` naming it.
    ///
    /// The manifest takes the number `initial.nextFileNumber` (or 1). A stale manifest of that
    /// number (left by a crash in an earlier attempt) is overwritten.
    ///
    /// - Parameters:
    ///   - fileIO: The file system.
    ///   - layout: The data directory, which must exist.
    ///   - initial: The first state, as an edit of the empty state.
    ///   - configuration: Options; the defaults unless given.
    /// - Returns: The open manifest.
    /// - Throws: ``StorageError/Code/invalidArgument`` when `CURRENT` already exists or `initial`
    ///   does not apply to the empty state; ``StorageError`` for I/O failures (then neither the new
    ///   manifest nor `CURRENT` is left behind, as far as the file system allows).
    public static func create(
        fileIO: any FileIO, layout: DataDirectoryLayout, initial: ManifestEdit,
        configuration: ManifestConfiguration = .init()
    ) throws(StorageError) -> Manifest {
        if try fileIO.fileExists(DataDirectoryLayout.name(of: .current), in: layout.root) {
            throw StorageError(.invalidArgument, "the data directory already has a manifest", file: layout.currentFile)
        }
        var state = try ManifestState().applying(initial)
        let number = state.nextFileNumber
        state.manifestNumber = number
        state.nextFileNumber = number + 1
        let (file, size) = try writeManifest(fileIO: fileIO, layout: layout, number: number, state: state)
        do throws(CurrentWriteError) {
            try writeCurrent(fileIO: fileIO, layout: layout, number: number)
        } catch {
            try? fileIO.close(file)
            if error.renamed { try? fileIO.remove(layout.currentFile) }
            try? fileIO.remove(layout.manifestFile(number))
            throw error.error
        }
        return Manifest(
            fileIO: fileIO, layout: layout, configuration: configuration, file: file, size: size, snapshotSize: size,
            state: state)
    }

    /// Opens the live manifest named by `CURRENT` and replays it.
    ///
    /// A torn last record (an append interrupted by a crash, never acknowledged) is dropped and
    /// the file truncated there.
    ///
    /// - Parameters:
    ///   - fileIO: The file system.
    ///   - layout: The data directory.
    ///   - configuration: Options; the defaults unless given.
    /// - Returns: The manifest, open for edits, and the state it holds.
    /// - Throws: ``StorageError/Code/notFound`` when the directory has no `CURRENT` and no WAL or
    ///   segment files (a new directory, or a crash inside ``create(fileIO:layout:initial:configuration:)``);
    ///   ``StorageError/Code/corruption`` naming the file and offset when `CURRENT` is missing
    ///   beside data files, is malformed, or names a missing manifest, or when a manifest record
    ///   other than the last is damaged, a record does not apply, or there is no snapshot record;
    ///   ``StorageError/Code/unsupported`` for a manifest from a newer format version.
    public static func open(
        fileIO: any FileIO, layout: DataDirectoryLayout, configuration: ManifestConfiguration = .init()
    ) throws(StorageError) -> (Manifest, ManifestState) {
        let number = try readCurrent(fileIO: fileIO, layout: layout)
        let path = layout.manifestFile(number)
        let bytes: [UInt8]
        do {
            bytes = try fileIO.readContents(of: path)
        } catch  where error.code == .notFound {
            throw StorageError(
                .corruption, "CURRENT names \(DataDirectoryLayout.name(of: .manifest(number))), which is missing",
                file: path)
        }
        var reader = try ManifestReader(bytes: bytes, path: path)
        guard reader.number == number else {
            throw StorageError(
                .corruption, "manifest header says number \(reader.number), the file name \(number)", file: path,
                offset: Int64(ManifestFormat.Header.numberOffset))
        }
        var state = ManifestState()
        var snapshotSize: Int?
        while let edit = try reader.next() {
            do {
                state = try state.applying(edit)
            } catch {
                throw StorageError(
                    .corruption, "manifest record does not apply: \(error.message)", file: path,
                    offset: Int64(reader.recordOffset))
            }
            if snapshotSize == nil { snapshotSize = reader.offset }
        }
        guard let snapshotSize else {
            throw StorageError(
                .corruption, "manifest has no snapshot record", file: path, offset: Int64(ManifestFormat.Header.size))
        }
        state.manifestNumber = number
        state.nextFileNumber = max(state.nextFileNumber, number + 1)
        let file = try fileIO.open(path, access: .readWrite, options: [])
        if reader.droppedTail != nil {
            do {
                try fileIO.resize(file, to: Int64(reader.offset))
                try fileIO.synchronize(file, dataOnly: true)
            } catch {
                try? fileIO.close(file)
                throw error.at(path)
            }
        }
        let manifest = Manifest(
            fileIO: fileIO, layout: layout, configuration: configuration, file: file, size: Int64(reader.offset),
            snapshotSize: Int64(snapshotSize), state: state)
        return (manifest, state)
    }

    // MARK: State

    /// The current state: the fold of every applied edit.
    public var state: ManifestState { inner.withLock { $0.state } }

    /// The number of the live manifest file.
    public var number: UInt64 { inner.withLock { $0.number } }

    /// The live manifest file.
    public var path: FilePath { layout.manifestFile(number) }

    /// Whether an I/O failure made the manifest refuse further edits.
    public var isFailed: Bool { inner.withLock { $0.failure != nil } }

    /// The live manifest file's size in bytes.
    package var fileSize: Int64 { inner.withLock { $0.size } }

    /// A file number no file has: at least ``ManifestState/nextFileNumber`` and above every number
    /// handed out before. The next applied edit records it as used.
    public func newFileNumber() -> UInt64 {
        inner.withLock { inner in
            let number = max(inner.reservedNext, inner.state.nextFileNumber)
            inner.reservedNext = number + 1
            return number
        }
    }

    // MARK: Editing

    /// Records `edit` durably, then applies it to ``state``.
    ///
    /// Appends one record and `fdatasync`s it, or, once the file has reached its roll size,
    /// writes a new manifest holding a snapshot (see the type's documentation). Numbers handed
    /// out by ``newFileNumber()`` are recorded with the edit.
    ///
    /// - Parameter edit: The change.
    /// - Throws: ``StorageError/Code/invalidArgument`` when the edit does not apply to the state
    ///   or encodes to more than 64 MiB (nothing is written; the manifest stays usable);
    ///   ``StorageError/Code/io(_:)`` when a write, sync or roll failed (the manifest is then
    ///   failed); ``StorageError/Code/readOnly`` after an earlier failure.
    public func apply(_ edit: ManifestEdit) throws(StorageError) {
        try inner.withLock { (inner: inout Inner) throws(StorageError) in
            if let failure = inner.failure {
                throw StorageError(
                    .readOnly,
                    "the manifest refused edits after an earlier failure (\(failure.message)); reopen the data directory",
                    file: layout.manifestFile(inner.number))
            }
            guard let file = inner.file else {
                throw StorageError(.invalidArgument, "the manifest is closed", file: layout.manifestFile(inner.number))
            }
            var next = try inner.state.applying(edit)
            var recorded = edit
            if inner.reservedNext > next.nextFileNumber {
                next.nextFileNumber = inner.reservedNext
                recorded.nextFileNumber = inner.reservedNext
            }
            let payload = recorded.encoded()
            guard payload.count <= ManifestFormat.maxRecordLength else {
                throw StorageError(
                    .invalidArgument,
                    "manifest edit of \(payload.count) bytes exceeds \(ManifestFormat.maxRecordLength)")
            }
            if inner.size >= inner.rollThreshold {
                try roll(&inner, to: next)
                return
            }
            let record = ManifestFormat.record(payload)
            do throws(StorageError) {
                try fileIO.write(file, toAbsoluteOffset: inner.size, record)
                KillPoint.hit("manifest.apply.afterWrite")
                try fileIO.synchronize(file, dataOnly: true)
                KillPoint.hit("manifest.apply.afterSync")
            } catch {
                let located = error.at(layout.manifestFile(inner.number), offset: inner.size)
                inner.failure = located
                throw located
            }
            inner.size += Int64(record.count)
            inner.state = next
        }
    }

    /// Closes the manifest file; later edits throw ``StorageError/Code/invalidArgument``.
    public func close() throws(StorageError) {
        try inner.withLock { (inner: inout Inner) throws(StorageError) in
            guard let file = inner.file else { return }
            inner.file = nil
            try fileIO.close(file)
        }
    }

    // MARK: Rolling

    /// Writes `next` as the snapshot of a new manifest, points `CURRENT` at it, removes the old one.
    private func roll(_ inner: inout Inner, to next: ManifestState) throws(StorageError) {
        let number = max(next.nextFileNumber, inner.reservedNext, inner.number + 1)
        var state = next
        state.manifestNumber = number
        state.nextFileNumber = number + 1
        let file: FileIOHandle
        let size: Int64
        do {
            (file, size) = try Self.writeManifest(fileIO: fileIO, layout: layout, number: number, state: state)
        } catch {
            inner.failure = error
            throw error
        }
        KillPoint.hit("manifest.roll.afterSnapshot")
        do throws(CurrentWriteError) {
            try Self.writeCurrent(fileIO: fileIO, layout: layout, number: number)
        } catch {
            try? fileIO.close(file)
            // Before the rename the new manifest is an orphan; after it, CURRENT may name either
            // manifest, so both stay.
            if !error.renamed { try? fileIO.remove(layout.manifestFile(number)) }
            inner.failure = error.error
            throw error.error
        }
        if let old = inner.file { try? fileIO.close(old) }
        // An old manifest that survives (a failed unlink, a crash) is an orphan, removed at open.
        try? fileIO.remove(layout.manifestFile(inner.number))
        inner.file = file
        inner.number = number
        inner.size = size
        inner.rollThreshold = Self.rollThreshold(configuration, snapshotSize: size)
        inner.state = state
        inner.reservedNext = max(inner.reservedNext, state.nextFileNumber)
    }

    private static func rollThreshold(_ configuration: ManifestConfiguration, snapshotSize: Int64) -> Int64 {
        max(Int64(configuration.rollSize), 2 * snapshotSize)
    }
}
