internal import QuiverEngine
internal import QuiverFilter
internal import QuiverIndex
internal import QuiverMetadata
internal import QuiverStorage
internal import SystemPackage

/// A database: vector collections and the application's own data beside them (entities, notes
/// on them, cache tables), in one data directory, changed atomically together.
///
/// Open one per directory and share it: it is `Sendable`, and every method may be called from
/// any thread or task. Writes are durable as ``DatabaseConfiguration/durability`` says when they
/// return; a batch (``write(_:)-(_)``) is all-or-nothing, after any crash too. Reads go through a
/// consistent snapshot and never wait for writers.
public final class Database: Sendable {
    package let engine: StorageEngine
    /// The configuration the database was opened with.
    public let configuration: DatabaseConfiguration
    let stripes = StripedLocks()
    let executor = BlockingExecutor(maximumThreads: 16)
    let noteIDs = NoteIDGenerator()
    let caches = Locked<[String: CacheState]>([:])
    let entityTypes = Locked<[String: EntityTypeDefinition]>([:])
    /// Whether the database lives in memory only.
    public let isInMemory: Bool
    /// The background reclaim of expired cache entries (with background maintenance).
    private let sweeper = Locked<CacheSweeper?>(nil)

    private init(engine: StorageEngine, configuration: DatabaseConfiguration, isInMemory: Bool) {
        self.engine = engine
        self.configuration = configuration
        self.isInMemory = isInMemory
    }

    // MARK: Opening and closing

    /// Opens (creating when missing) the database in directory `path` and recovers it.
    ///
    /// - Throws: ``QuiverError`` `locked` when another process has it open, `corruption` (naming
    ///   the file and offset) when stored data fails its checks, `unsupported` when a newer
    ///   version wrote it.
    public static func open(at path: String, configuration: DatabaseConfiguration = DatabaseConfiguration()) throws(QuiverError) -> Database {
        try open(directory: FilePath(path), options: configuration.engineOptions(), configuration: configuration, isInMemory: false)
    }

    /// A database that lives in memory only, for tests and scratch work: nothing reaches the disk
    /// and everything is gone when it is closed or released.
    public static func inMemory(configuration: DatabaseConfiguration = DatabaseConfiguration()) throws(QuiverError) -> Database {
        var options = configuration.engineOptions()
        options.fileIO = MemoryFileIO()
        options.wal.durability = .none
        return try open(directory: "/quiver", options: options, configuration: configuration, isInMemory: true)
    }

    private static func open(
        directory: FilePath, options: EngineOptions, configuration: DatabaseConfiguration, isInMemory: Bool
    ) throws(QuiverError) -> Database {
        let engine: StorageEngine
        do { engine = try StorageEngine.open(directory: directory, options: options) } catch { throw QuiverError(error) }
        let database = Database(engine: engine, configuration: configuration, isInMemory: isInMemory)
        do {
            try database.prepareMetadata()
        } catch {
            try? engine.close()
            throw error
        }
        if configuration.backgroundMaintenance {
            let caches = database.caches
            let period = configuration.cacheSweepInterval
            database.sweeper.withLock { $0 = CacheSweeper(period: period) { caches.withLock { Array($0.values) } } }
        }
        return database
    }

    /// Creates the metadata tables a new directory lacks and loads entity types and caches.
    private func prepareMetadata() throws(QuiverError) {
        let missing = MetadataKeys.tables.filter { !engine.tableNames.contains($0) }
        if !missing.isEmpty {
            var batch = WriteBatch()
            for name in missing { batch.createTable(TableDefinition(name: name)) }
            do { try engine.write(batch) } catch { throw QuiverError(error) }
        }
        let snapshot = engine.snapshot()
        do {
            try snapshot.scan(MetadataKeys.schema) { record in
                let components = try SortableKeyDecoder.decode(record.key.bytes)
                guard components.count == 2, case .string(let kind) = components[0], case .string(let name) = components[1]
                else { return true }
                let value = try JSONValue(parsing: record.value)
                switch kind {
                case SchemaKind.entityType:
                    let definition = EntityTypeDefinition(schema: value, name: name)
                    entityTypes.withLock { $0[name] = definition }
                case SchemaKind.cache:
                    try loadCache(name, configuration: CacheConfiguration(schema: value), from: snapshot)
                default: break
                }
                return true
            }
        } catch {
            throw QuiverError(.corruption, "the database's schema does not read: \(error)")
        }
    }

    /// Flushes everything to segment files and closes the database; later calls fail with
    /// `readOnly`.
    public func close() throws(QuiverError) {
        sweeper.withLock { $0?.stop() }
        do { try engine.close() } catch { throw QuiverError(error) }
    }

    /// Drops expired entries of every cache table from memory now (the background sweep does it
    /// every ``DatabaseConfiguration/cacheSweepInterval``); returns how many.
    @discardableResult
    public func purgeExpiredCacheEntries() -> Int {
        caches.withLock { Array($0.values) }.reduce(0) { $0 + $1.table.purgeExpired() }
    }

    // MARK: Collections

    /// Creates a vector collection.
    ///
    /// - Throws: ``QuiverError`` `alreadyExists`, or `invalidArgument` for a bad name (1...255
    ///   bytes, not starting with `quiver.`) or options.
    @discardableResult
    public func createCollection(_ name: String, options: CollectionOptions) throws(QuiverError) -> VectorCollection {
        guard !name.hasPrefix(MetadataKeys.reservedPrefix) else {
            throw QuiverError(.invalidArgument, "collection names starting with \(MetadataKeys.reservedPrefix) are reserved")
        }
        var index = HNSWConfiguration(dimension: options.dimension, metric: options.metric)
        index.encoding = options.encoding
        index.m = options.m
        index.efConstruction = options.efConstruction
        do { try engine.createCollection(CollectionDefinition(name: name, index: index)) } catch { throw QuiverError(error) }
        return VectorCollection(name: name, database: self)
    }

    /// The collection named `name`.
    ///
    /// - Throws: ``QuiverError`` `notFound`.
    public func collection(_ name: String) throws(QuiverError) -> VectorCollection {
        guard collectionNames.contains(name) else { throw QuiverError(.notFound, "no collection named \(name)") }
        return VectorCollection(name: name, database: self)
    }

    /// The collections' names, sorted.
    public var collectionNames: [String] { engine.collectionNames }

    /// What `collection` holds: options, live count, segments.
    public func describeCollection(_ name: String) throws(QuiverError) -> CollectionInfo {
        do {
            let definition = try engine.definition(of: name)
            let index = definition.index
            return CollectionInfo(
                name: name,
                options: CollectionOptions(
                    dimension: index.dimension, metric: index.metric, encoding: index.encoding, m: index.m,
                    efConstruction: index.efConstruction),
                count: try engine.count(in: name), segments: try engine.segmentCount(in: name),
                segmentBytes: try engine.segmentBytes(in: name), memoryBytes: try engine.memoryBytes(in: name))
        } catch { throw QuiverError(error) }
    }

    /// Drops a collection and every vector in it.
    public func dropCollection(_ name: String) throws(QuiverError) {
        do { try engine.dropCollection(name) } catch { throw QuiverError(error) }
    }

    // MARK: Writing

    /// Runs `body` with a batch and commits what it added, atomically, as one log record.
    ///
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws (nothing is written then), or a ``QuiverError`` saying which
    ///   operation was invalid (and nothing is written either).
    @discardableResult
    public func write<R>(_ body: (inout Batch) throws -> R) throws -> R {
        var batch = Batch(clock: configuration.wallClock, noteIDs: noteIDs)
        let result = try body(&batch)
        try commit(batch)
        return result
    }

    /// The asynchronous form of ``write(_:)-(_)``: the commit waits for the log on a thread of
    /// the database's own, never on Swift's cooperative pool. Cancellation before the commit
    /// starts throws `CancellationError` and writes nothing.
    @discardableResult
    public func write<R: Sendable>(_ body: (inout Batch) throws -> R) async throws -> R {
        var batch = Batch(clock: configuration.wallClock, noteIDs: noteIDs)
        let result = try body(&batch)
        try Task.checkCancellation()
        try await executor.run { [batch] () throws(QuiverError) in try self.commit(batch) }
        return result
    }

    // MARK: Reading

    /// A consistent view of everything committed so far.
    public func snapshot() -> DatabaseSnapshot { DatabaseSnapshot(database: self, snapshot: engine.snapshot()) }

    /// Runs `body` with a snapshot: every read in it sees the same state.
    public func read<R>(_ body: (DatabaseSnapshot) throws -> R) rethrows -> R { try body(snapshot()) }

    // MARK: Metadata

    /// The entities: records of the application's own with indexed attributes.
    public var entities: EntityStore { EntityStore(database: self) }

    /// The notes attached to entities.
    public var notes: NoteStore { NoteStore(database: self) }
}

/// The kinds of entries in the schema table.
enum SchemaKind {
    static let entityType = "entity-type"
    static let cache = "cache"
}

extension EntityTypeDefinition {
    var schema: JSONValue {
        .object(["indexes": .array(indexedAttributes.map { .string($0) })])
    }

    init(schema: JSONValue, name: String) {
        var attributes: [String] = []
        if case .array(let values)? = schema["indexes"] {
            for case .string(let attribute) in values { attributes.append(attribute) }
        }
        self.init(name: name, indexedAttributes: attributes)
    }
}
