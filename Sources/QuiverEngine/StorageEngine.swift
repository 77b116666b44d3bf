internal import HashTreeCollections
internal import QuiverIndex
internal import QuiverStorage
public import SystemPackage
internal import Synchronization

/// A data directory of vector collections and record tables: every write goes to the
/// write-ahead log, then becomes visible in log order; memtables are flushed to immutable,
/// memory-mapped segment files that a manifest lists; compaction merges segments.
///
/// Durability follows ``EngineOptions/wal``: with the default `always`, a write that returned
/// survives a crash or power loss. A batch is all-or-nothing after any crash, and readers never
/// see part of one: reads go through a ``Snapshot``.
///
/// Concurrency: writes run in parallel (they insert into the graph before they are logged, share
/// the log's fsyncs, and are published one after another in log order); batches that create or
/// drop collections or tables run alone. Readers take snapshots and never wait for writers
/// beyond the copy of a few references.
public final class StorageEngine: Sendable {
    /// The data directory.
    public let directory: FilePath
    let options: EngineOptions
    let fileIO: any FileIO
    let layout: DataDirectoryLayout
    let lock: DataDirectoryLock
    let wal: WAL
    let manifest: Manifest
    /// Shared by writes, exclusive for schema changes and for the switches of flush and compaction.
    let gate = ReadWriteLock()
    /// What readers see: replaced (never mutated in place) by each publication.
    let state: Locked<DatabaseState>
    /// Serialises flushes and compactions with each other.
    let maintenance = Locked<Void>(())
    let maintenanceScheduled = Atomic<Bool>(false)
    /// Set when a write was logged but could not be applied, or the engine was closed.
    let failure = Locked<EngineError?>(nil)

    private init(
        directory: FilePath, options: EngineOptions, layout: DataDirectoryLayout, lock: DataDirectoryLock, wal: WAL,
        manifest: Manifest, state: DatabaseState
    ) {
        self.directory = directory
        self.options = options
        self.fileIO = options.fileIO
        self.layout = layout
        self.lock = lock
        self.wal = wal
        self.manifest = manifest
        self.state = Locked(state)
    }

    // MARK: Opening

    /// Opens (creating when missing) the data directory at `directory` and recovers it: loads the
    /// manifest, maps the segments it lists, and replays the log written after the last flush.
    ///
    /// - Throws: ``EngineError`` with code `locked` when another process has the directory open,
    ///   `corruption` (naming the file and offset) when stored data fails its checks, `unsupported`
    ///   when a newer version wrote it.
    public static func open(directory: FilePath, options: EngineOptions = EngineOptions()) throws(EngineError) -> StorageEngine {
        do {
            return try openThrowing(directory: directory, options: options)
        } catch {
            throw wrap(error)
        }
    }

    /// Opens the data directory at the path `directory`; see ``open(directory:options:)-(FilePath,_)``.
    public static func open(directory: String, options: EngineOptions = EngineOptions()) throws(EngineError) -> StorageEngine {
        try open(directory: FilePath(directory), options: options)
    }

    private static func openThrowing(directory: FilePath, options: EngineOptions) throws -> StorageEngine {
        let fileIO = options.fileIO
        let layout = DataDirectoryLayout(root: directory)
        if (try? fileIO.contentsOfDirectory(directory)) == nil { try fileIO.createDirectory(directory) }
        let lock = try DataDirectoryLock.acquire(fileIO: fileIO, layout: layout)
        do {
            let (manifest, manifestState) = try openOrCreateManifest(
                fileIO: fileIO, layout: layout, configuration: options.manifest)
            var state = try loadState(manifestState, fileIO: fileIO, layout: layout)
            // Files no manifest names: unpublished segments, old manifests, temporaries.
            for name in try orphanFiles(in: fileIO.contentsOfDirectory(directory), state: manifestState) {
                try? fileIO.remove(directory.appending(name))
            }
            let wal = try WAL.open(
                directory: directory, fileIO: fileIO, configuration: options.wal,
                checkpoint: manifestState.checkpointSequence
            ) { record in
                let batch = try WriteBatch(encoded: record.payload)
                try Self.replay(batch, sequence: record.sequence, into: &state)
            }
            state.sequence = wal.lastSequence
            let engine = StorageEngine(
                directory: directory, options: options, layout: layout, lock: lock, wal: wal, manifest: manifest, state: state)
            engine.scheduleMaintenanceIfNeeded(checkingCompaction: true)
            return engine
        } catch {
            try? lock.release()
            throw error
        }
    }

    /// The collections and tables the manifest lists, with their segments mapped and the
    /// tombstones of newer segments applied to older ones.
    private static func loadState(_ manifestState: ManifestState, fileIO: any FileIO, layout: DataDirectoryLayout) throws -> DatabaseState {
        var state = DatabaseState(sequence: manifestState.checkpointSequence, collections: [:], tables: [:])
        var segmentsByOwner: [String: [SegmentDescriptor]] = [:]
        for segment in manifestState.segments { segmentsByOwner[segment.owner, default: []].append(segment) }
        for (name, bytes) in manifestState.catalog {
            switch try CatalogEntry(encoded: bytes) {
            case .collection(let definition):
                var parts: [FrozenPart] = []
                var byNumber: [UInt64: FrozenPart] = [:]
                for descriptor in segmentsByOwner[name] ?? [] {
                    let file = try SegmentFile.open(fileIO: fileIO, path: layout.segmentFile(descriptor.number))
                    let part = try CollectionSegment.open(file, definition: definition, number: descriptor.number)
                    parts.append(part)
                    byNumber[descriptor.number] = part
                }
                // Deletes recorded in segments apply to older segments.
                for part in parts {
                    for tombstone in part.tombstones { byNumber[tombstone.part]?.overlay.insert(tombstone.id) }
                }
                state.collections[name] = try CollectionView(definition, frozen: parts)
            case .table(let definition):
                var parts: [RecordPart] = []
                for descriptor in segmentsByOwner[name] ?? [] {
                    let file = try SegmentFile.open(fileIO: fileIO, path: layout.segmentFile(descriptor.number))
                    parts.append(try RecordSegment.open(file, definition: definition, number: descriptor.number))
                }
                state.tables[name] = TableView(definition, frozen: parts)
            }
        }
        for owner in segmentsByOwner.keys where manifestState.catalog[owner] == nil {
            throw EngineError(.corruption, "manifest lists segments of \(owner), which its catalog lacks")
        }
        return state
    }

    private static func openOrCreateManifest(
        fileIO: any FileIO, layout: DataDirectoryLayout, configuration: ManifestConfiguration
    ) throws -> (Manifest, ManifestState) {
        let names = try fileIO.contentsOfDirectory(layout.root)
        if names.contains(DataDirectoryLayout.name(of: .current)) {
            return try Manifest.open(fileIO: fileIO, layout: layout, configuration: configuration)
        }
        // Manifest files without CURRENT are a crash inside the first manifest's creation: they
        // hold nothing yet (and go as orphans). Logs or segments without CURRENT are damage.
        let ours = names.filter { name in
            switch DataDirectoryLayout.parse(name) {
            case .wal, .segment: true
            default: false
            }
        }
        guard ours.isEmpty else {
            throw EngineError(
                .corruption,
                "\(layout.root) has data files (\(ours.sorted().prefix(3).joined(separator: ", "))) but no CURRENT manifest pointer")
        }
        for name in names {
            switch DataDirectoryLayout.parse(name) {
            case .manifest, .temporary: try fileIO.remove(layout.root.appending(name))
            default: break
            }
        }
        let manifest = try Manifest.create(fileIO: fileIO, layout: layout, initial: ManifestEdit(), configuration: configuration)
        return (manifest, manifest.state)
    }

    /// Applies a logged batch during recovery, in log order.
    private static func replay(_ batch: WriteBatch, sequence: UInt64, into state: inout DatabaseState) throws {
        let prepared = try prepare(batch, in: state)
        publish(batch, prepared, sequence: sequence, into: &state)
    }

    // MARK: Closing

    /// Flushes the memtables, syncs and closes the log and the manifest, and releases the
    /// directory. Later calls throw ``EngineError/Code/readOnly``.
    ///
    /// The log, the manifest and the directory lock are released even when the flush or one of
    /// them fails, so a failed close leaves no descriptor behind and the directory can be opened
    /// again; the first error is thrown.
    public func close() throws(EngineError) {
        var flushError: EngineError?
        if failure.withLock({ $0 == nil }) {
            do { try flush() } catch { flushError = error }
        }
        failure.withLock { $0 = $0 ?? EngineError(.readOnly, "the engine is closed") }
        let closeError = maintenance.withLock { () -> StorageError? in
            var first: StorageError?
            do throws(StorageError) { try wal.close() } catch { first = first ?? error }
            do throws(StorageError) { try manifest.close() } catch { first = first ?? error }
            do throws(StorageError) { try lock.release() } catch { first = first ?? error }
            return first
        }
        if let flushError { throw flushError }
        if let closeError { throw Self.wrap(closeError) }
    }

    // MARK: Reading

    /// A consistent view of everything written and published so far.
    public func snapshot() -> Snapshot { Snapshot(state: state.withLock { $0 }, wallClock: options.wallClock) }

    /// The `k` nearest vectors to `query` in `collection`, nearest first (on a fresh snapshot).
    ///
    /// - Parameters:
    ///   - ef: candidates explored per part; default `max(k, 64)`.
    ///   - withAttributes: whether to return each hit's attributes.
    public func search(
        _ query: [Float], k: Int, ef: Int? = nil, in collection: String, withAttributes: Bool = false
    ) throws(EngineError) -> [SearchHit] {
        try snapshot().search(query, k: k, ef: ef, in: collection, withAttributes: withAttributes)
    }

    /// The vector and attributes stored under `key`, or `nil`.
    public func get(_ key: Key, in collection: String) throws(EngineError) -> StoredVector? {
        try snapshot().get(key, in: collection)
    }

    /// The vector and attributes stored under the UTF-8 bytes of `key`, or `nil`.
    public func get(_ key: String, in collection: String) throws(EngineError) -> StoredVector? {
        try get(Key(key), in: collection)
    }

    /// The live record under `key` in `table`, or `nil`.
    public func record(_ key: Key, in table: String) throws(EngineError) -> Record? {
        try snapshot().record(key, in: table)
    }

    /// The collections' names, sorted.
    public var collectionNames: [String] { state.withLock { $0.collections.keys.sorted() } }

    /// The tables' names, sorted.
    public var tableNames: [String] { state.withLock { $0.tables.keys.sorted() } }

    /// The definition of `collection`.
    public func definition(of collection: String) throws(EngineError) -> CollectionDefinition {
        try state.withLock { $0 }.collection(collection).definition
    }

    /// Number of live vectors in `collection`.
    public func count(in collection: String) throws(EngineError) -> Int { try snapshot().count(in: collection) }

    /// The sequence number of the last write logged.
    public var lastSequence: UInt64 { wal.lastSequence }

    /// The log file appends go to and the offset after its last written byte (see
    /// `WAL.appendPosition`): for tests that check an acknowledged write's bytes were synced.
    package var walPosition: (file: FilePath, offset: Int64) {
        let (number, offset) = wal.appendPosition
        return (layout.walFile(number), offset)
    }

    /// A number no file in the directory has (segments, manifests and temporaries share them).
    func nextFileNumber() -> UInt64 { manifest.newFileNumber() }

    static func wrap(_ error: any Error) -> EngineError {
        switch error {
        case let error as EngineError: error
        case let error as StorageError: EngineError(error)
        case let error as IndexError: EngineError(error)
        default: EngineError(.io, "\(error)")
        }
    }
}

extension StorageEngine {
    /// Number of segment files `collection` or table `name` is stored in (beside its memtable).
    public func segmentCount(in name: String) throws(EngineError) -> Int {
        let state = self.state.withLock { $0 }
        if let table = state.tables[name] { return table.frozen.count { $0.segment != nil } }
        return try state.collection(name).frozen.count { $0.segment != nil }
    }

    /// Stops the engine as a crash would: no flush, no checkpoint; the log keeps what was
    /// acknowledged. The directory is released so that a test can reopen it in-process.
    package func abandonForTesting() throws {
        failure.withLock { $0 = $0 ?? EngineError(.readOnly, "the engine was abandoned") }
        try maintenance.withLock { () throws in
            try? wal.close()
            try? manifest.close()
            try lock.release()
        }
    }
}
