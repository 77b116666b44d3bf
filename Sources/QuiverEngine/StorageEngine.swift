internal import QuiverIndex
internal import QuiverStorage
public import SystemPackage
internal import Synchronization

/// A data directory of vector collections: every write goes to the write-ahead log, then to the
/// collections' memtables; memtables are flushed to immutable, memory-mapped segment files that
/// a manifest lists; compaction merges segments.
///
/// Durability follows ``EngineOptions/wal``: with the default `always`, a write that returned
/// survives a crash or power loss. A batch is all-or-nothing after any crash.
///
/// Concurrency: writes run in parallel (they share the log's fsyncs and insert into the graph
/// concurrently); batches that create or drop collections run alone. Searches and reads never
/// wait for writers except during the brief switch of a flush or compaction.
public final class StorageEngine: Sendable {
    /// The data directory.
    public let directory: FilePath
    let options: EngineOptions
    let fileIO: any FileIO
    let layout: DataDirectoryLayout
    let lock: DataDirectoryLock
    let wal: WAL
    let manifest: Manifest
    /// Shared by writes, exclusive for collection changes and for the switches of flush and compaction.
    let gate = ReadWriteLock()
    let collections: Locked<[String: CollectionState]>
    /// Serialises flushes and compactions with each other.
    let maintenance = Locked<Void>(())
    let maintenanceScheduled = Atomic<Bool>(false)
    /// Set when a write was logged but could not be applied, or the engine was closed.
    let failure = Locked<EngineError?>(nil)

    private init(
        directory: FilePath, options: EngineOptions, layout: DataDirectoryLayout, lock: DataDirectoryLock, wal: WAL,
        manifest: Manifest, collections: [String: CollectionState]
    ) {
        self.directory = directory
        self.options = options
        self.fileIO = options.fileIO
        self.layout = layout
        self.lock = lock
        self.wal = wal
        self.manifest = manifest
        self.collections = Locked(collections)
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
        } catch let error as EngineError {
            throw error
        } catch let error as StorageError {
            throw EngineError(error)
        } catch {
            throw EngineError(.io, "\(error)")
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
            let (manifest, state) = try openOrCreateManifest(fileIO: fileIO, layout: layout)
            // Collections and their segments.
            var collections: [String: CollectionState] = [:]
            var segmentsByOwner: [String: [SegmentDescriptor]] = [:]
            for segment in state.segments { segmentsByOwner[segment.owner, default: []].append(segment) }
            var partsByNumber: [UInt64: FrozenPart] = [:]
            for (name, bytes) in state.catalog {
                let definition = try CollectionDefinition(encoded: bytes)
                var frozen: [FrozenPart] = []
                for descriptor in segmentsByOwner[name] ?? [] {
                    let file = try SegmentFile.open(fileIO: fileIO, path: layout.segmentFile(descriptor.number))
                    let part = try CollectionSegment.open(file, definition: definition, number: descriptor.number)
                    frozen.append(part)
                    partsByNumber[descriptor.number] = part
                }
                collections[name] = try CollectionState(definition, frozen: frozen)
            }
            for owner in segmentsByOwner.keys where state.catalog[owner] == nil {
                throw EngineError(.corruption, "manifest lists segments of collection \(owner), which its catalog lacks")
            }
            // Deletes recorded in segments apply to older segments.
            for part in partsByNumber.values {
                for tombstone in part.tombstones { partsByNumber[tombstone.part]?.overlay.insert(tombstone.id) }
            }
            // Files no manifest names: unpublished segments, old manifests, temporaries.
            for name in try orphanFiles(in: fileIO.contentsOfDirectory(directory), state: state) {
                try? fileIO.remove(directory.appending(name))
            }
            let wal = try WAL.open(
                directory: directory, fileIO: fileIO, configuration: options.wal,
                checkpoint: state.checkpointSequence
            ) { record in
                let batch = try WriteBatch(encoded: record.payload)
                try Self.apply(batch, sequence: record.sequence, to: &collections)
            }
            return StorageEngine(
                directory: directory, options: options, layout: layout, lock: lock, wal: wal, manifest: manifest,
                collections: collections)
        } catch {
            try? lock.release()
            throw error
        }
    }

    private static func openOrCreateManifest(fileIO: any FileIO, layout: DataDirectoryLayout) throws -> (Manifest, ManifestState) {
        let names = try fileIO.contentsOfDirectory(layout.root)
        if names.contains(DataDirectoryLayout.name(of: .current)) {
            return try Manifest.open(fileIO: fileIO, layout: layout)
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
        let manifest = try Manifest.create(fileIO: fileIO, layout: layout, initial: ManifestEdit())
        return (manifest, manifest.state)
    }

    /// Applies a logged batch during recovery, in log order.
    private static func apply(_ batch: WriteBatch, sequence: UInt64, to collections: inout [String: CollectionState]) throws {
        for operation in batch.operations {
            switch operation {
            case .createCollection(let definition):
                if collections[definition.name] == nil { collections[definition.name] = try CollectionState(definition) }
            case .dropCollection(let name):
                collections[name] = nil
            case .upsert(let name, let key, let vector, let attributes):
                try collections[name]?.upsert(key, vector: vector, attributes: attributes, sequence: sequence)
            case .delete(let name, let key):
                collections[name]?.delete(key, sequence: sequence)
            }
        }
    }

    // MARK: Closing

    /// Flushes the memtables, syncs and closes the log and the manifest, and releases the
    /// directory. Later calls throw ``EngineError/Code/readOnly``.
    public func close() throws(EngineError) {
        if failure.withLock({ $0 == nil }) {
            do { try flush() } catch {
                try? wal.close()
                try? lock.release()
                throw error
            }
        }
        failure.withLock { $0 = $0 ?? EngineError(.readOnly, "the engine is closed") }
        do {
            try maintenance.withLock { () throws(StorageError) in
                try wal.close()
                try manifest.close()
                try lock.release()
            }
        } catch { throw Self.wrap(error) }
    }

    // MARK: Writing

    /// Commits `batch`: validated as a whole (nothing is written when any operation is invalid),
    /// logged as one record, then applied.
    ///
    /// - Returns: The batch's sequence number in the log.
    /// - Throws: ``EngineError`` `invalidArgument` (wrong dimension, NaN, empty key), `notFound`
    ///   (unknown collection), `alreadyExists`; `readOnly` after a failed fsync or `close`.
    @discardableResult
    public func write(_ batch: WriteBatch) throws(EngineError) -> UInt64 {
        guard !batch.isEmpty else { return wal.lastSequence }
        if let failure = failure.withLock({ $0 }) { throw failure }
        let run = { () throws(EngineError) -> UInt64 in
            try self.validate(batch)
            let sequence: UInt64
            do { sequence = try self.wal.append(batch.encoded) } catch {
                let wrapped = Self.wrap(error)
                if self.wal.isReadOnly { self.fail(wrapped) }
                throw wrapped
            }
            do {
                try self.apply(batch, sequence: sequence)
            } catch {
                // Logged but not applied: the memtables no longer match the log. Reopen replays it.
                let wrapped = Self.wrap(error)
                self.fail(EngineError(wrapped.code, "write \(sequence) was logged but could not be applied: \(wrapped.message)"))
                throw wrapped
            }
            return sequence
        }
        let sequence: UInt64
        if batch.definesCollections {
            sequence = try gate.withWriteLock { () throws(EngineError) -> UInt64 in try run() }
        } else {
            sequence = try gate.withReadLock { () throws(EngineError) -> UInt64 in try run() }
        }
        scheduleMaintenanceIfNeeded()
        return sequence
    }

    func fail(_ error: EngineError) {
        failure.withLock { $0 = $0 ?? EngineError(.readOnly, "the engine refuses writes until reopened: \(error.message)") }
    }

    /// Checks every operation against the collections as the earlier operations leave them.
    private func validate(_ batch: WriteBatch) throws(EngineError) {
        // The dictionary of collections is shared copy-on-write: only a batch that creates or
        // drops collections pays for a copy of the names it changes.
        let existing = collections.withLock { $0 }
        var changed: [String: CollectionDefinition?] = [:]
        func lookUp(_ name: String) -> CollectionDefinition? {
            if let overridden = changed[name] { return overridden }
            return existing[name]?.definition
        }
        for operation in batch.operations {
            switch operation {
            case .createCollection(let definition):
                try definition.validate()
                guard lookUp(definition.name) == nil else {
                    throw EngineError(.alreadyExists, "collection \(definition.name) already exists")
                }
                changed[definition.name] = .some(definition)
            case .dropCollection(let name):
                guard lookUp(name) != nil else { throw EngineError(.notFound, "no collection named \(name)") }
                changed[name] = .some(nil)
            case .upsert(let name, let key, let vector, let attributes):
                guard let definition = lookUp(name) else { throw EngineError(.notFound, "no collection named \(name)") }
                try Self.validate(key: key)
                guard vector.count == definition.index.dimension else {
                    throw EngineError(
                        .invalidArgument,
                        "vector for \(key) has \(vector.count) dimensions, collection \(name) has \(definition.index.dimension)")
                }
                guard vector.allSatisfy(\.isFinite) else { throw EngineError(.invalidArgument, "vector for \(key) has a NaN or infinite element") }
                if definition.index.metric == .cosine, vector.allSatisfy({ $0 == 0 }) {
                    throw EngineError(.invalidArgument, "vector for \(key) is all zeros, which has no cosine direction")
                }
                if let attributes, attributes.count > 16 << 20 {
                    throw EngineError(.invalidArgument, "attributes for \(key) are \(attributes.count) bytes (limit 16 MiB)")
                }
            case .delete(let name, let key):
                guard lookUp(name) != nil else { throw EngineError(.notFound, "no collection named \(name)") }
                try Self.validate(key: key)
            }
        }
    }

    static func validate(key: String) throws(EngineError) {
        guard (1...65535).contains(key.utf8.count) else { throw EngineError(.invalidArgument, "keys must be 1...65535 bytes") }
    }

    /// Applies a logged batch (callers hold the gate).
    private func apply(_ batch: WriteBatch, sequence: UInt64) throws(EngineError) {
        for operation in batch.operations {
            switch operation {
            case .createCollection(let definition):
                let state = try CollectionState(definition)
                collections.withLock { $0[definition.name] = state }
            case .dropCollection(let name):
                _ = collections.withLock { $0.removeValue(forKey: name) }
            case .upsert(let name, let key, let vector, let attributes):
                try collection(name).upsert(key, vector: vector, attributes: attributes, sequence: sequence)
            case .delete(let name, let key):
                try collection(name).delete(key, sequence: sequence)
            }
        }
    }

    func collection(_ name: String) throws(EngineError) -> CollectionState {
        guard let state = collections.withLock({ $0[name] }) else { throw EngineError(.notFound, "no collection named \(name)") }
        return state
    }

    // MARK: Conveniences

    /// Creates a collection.
    public func createCollection(_ definition: CollectionDefinition) throws(EngineError) {
        var batch = WriteBatch()
        batch.createCollection(definition)
        try write(batch)
    }

    /// Drops a collection and its data.
    public func dropCollection(_ name: String) throws(EngineError) {
        var batch = WriteBatch()
        batch.dropCollection(name)
        try write(batch)
    }

    /// Inserts or replaces the vector stored under `key`.
    public func upsert(_ key: String, vector: [Float], attributes: [UInt8]? = nil, in collection: String) throws(EngineError) {
        var batch = WriteBatch()
        batch.upsert(key, vector: vector, attributes: attributes, in: collection)
        try write(batch)
    }

    /// Deletes `key` (nothing happens when it is absent).
    public func delete(_ key: String, in collection: String) throws(EngineError) {
        var batch = WriteBatch()
        batch.delete(key, in: collection)
        try write(batch)
    }

    // MARK: Reading

    /// The `k` nearest vectors to `query` in `collection`, nearest first.
    ///
    /// - Parameters:
    ///   - ef: candidates explored per part; default `max(k, 64)`.
    ///   - withAttributes: whether to return each hit's attributes.
    public func search(
        _ query: [Float], k: Int, ef: Int? = nil, in collection: String, withAttributes: Bool = false
    ) throws(EngineError) -> [SearchHit] {
        try self.collection(collection).search(query, k: k, ef: ef, withAttributes: withAttributes)
    }

    /// The vector and attributes stored under `key`, or `nil`.
    public func get(_ key: String, in collection: String) throws(EngineError) -> StoredVector? {
        try self.collection(collection).get(key)
    }

    /// The collections' names, sorted.
    public var collectionNames: [String] { collections.withLock { $0.keys.sorted() } }

    /// The definition of `collection`.
    public func definition(of collection: String) throws(EngineError) -> CollectionDefinition {
        try self.collection(collection).definition
    }

    /// Number of live vectors in `collection`.
    public func count(in collection: String) throws(EngineError) -> Int { try self.collection(collection).count }

    /// The sequence number of the last write logged.
    public var lastSequence: UInt64 { wal.lastSequence }

    /// A number no file in the directory has (segments, manifests and temporaries share them).
    func nextFileNumber() -> UInt64 { manifest.newFileNumber() }
}

extension StorageEngine {
    /// Number of segment files `collection` is stored in (beside its memtable).
    public func segmentCount(in collection: String) throws(EngineError) -> Int {
        try self.collection(collection).snapshot.frozen.count { $0.segment != nil }
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
