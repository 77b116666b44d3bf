internal import Quiver

/// A cache entry as a transaction sees it: its value and wall-clock deadline (`Int64.max`: none).
struct CacheEntryValue: Sendable, Hashable {
    var value: [UInt8]
    var deadline: Int64
}

/// What an item held when a transaction read it (or when `WATCH` saw it): compared with what it
/// holds at the commit, under the item's lock.
enum ObservedState: Sendable, Equatable {
    case cacheEntry(CacheEntryValue?)
    case entity(Entity?)
    case note(Note?)

    /// What `item` holds now in `database` (`snapshot` must be taken after any lock the caller
    /// holds, so that it includes every write published before).
    static func current(
        _ item: GuardedItem, database: Database, snapshot: DatabaseSnapshot
    ) throws(QuiverError) -> ObservedState {
        switch item {
        case .cacheEntry(let name, let key):
            guard let cache = try? database.cache(name), let entry = cache.peek(key) else { return .cacheEntry(nil) }
            return .cacheEntry(CacheEntryValue(value: entry.value, deadline: entry.deadline))
        case .entity(let ref): return .entity(try snapshot.entity(ref))
        case .note(let id): return .note(try snapshot.note(id))
        }
    }
}

/// One transaction being built: the write batch its commands fill instead of committing, the
/// values they wrote (an overlay that their later reads consult first), and what they read (the
/// read set, confirmed unchanged when the batch commits).
///
/// `EXEC` runs the queued commands against one (``CommandContext/transaction``); a metadata
/// write outside `MULTI` runs against one of its own (``CommandContext/write(_:)``). Used by one
/// thread at a time (the connection's event loop) and only while its commands run.
///
/// - Reads of single items (a cache entry or string, an entity, a note) see the transaction's
///   own earlier writes, else the committed state, and are recorded: if another client changes
///   one of them before the commit, the commit does not happen and the transaction is run again
///   from the start (so `INCR` inside `MULTI` never loses an update).
/// - Listings, counts and searches read the snapshot taken when the attempt started; they refuse
///   (``requireNoPendingWrites(entityType:command:)`` and friends) when the transaction has
///   already queued writes they would have to see.
final class TransactionContext {
    let daemon: Daemon
    let database: Database
    /// The committed state as of the attempt's start: what reads outside the overlay see.
    let snapshot: DatabaseSnapshot
    /// The writes so far.
    private(set) var batch: Batch
    /// What the transaction read from the committed state, first observation of each item.
    private(set) var reads: [GuardedItem: ObservedState] = [:]

    private var cacheOverlay: [GuardedItem: CacheEntryValue?] = [:]
    private var entityOverlay: [EntityRef: Entity?] = [:]
    private var noteOverlay: [String: Note?] = [:]
    /// Entity types (namespaced) with queued entity writes.
    private(set) var pendingEntityTypes: Set<String> = []
    /// Entities with queued note writes (adds, edits, deletes) or deletes.
    private(set) var pendingNoteEntities: Set<EntityRef> = []
    /// Collections with queued vector writes.
    private(set) var pendingCollections: Set<String> = []
    /// Cache tables with queued writes.
    private(set) var pendingCaches: Set<String> = []
    private var hooks: [() -> Void] = []

    init(daemon: Daemon) {
        self.daemon = daemon
        database = daemon.database
        snapshot = database.snapshot()
        batch = database.makeBatch()
    }

    /// Wall-clock milliseconds, from the database's clock.
    var now: Int64 { database.configuration.wallClock() }

    /// Whether the transaction has queued no write.
    var isEmpty: Bool { batch.isEmpty }

    /// Items the commit must lock: those read and those written.
    var guardedItems: Set<GuardedItem> {
        var items = Set(reads.keys)
        items.formUnion(cacheOverlay.keys)
        for ref in entityOverlay.keys { items.insert(.entity(ref)) }
        for id in noteOverlay.keys { items.insert(.note(id)) }
        return items
    }

    private func record(_ item: GuardedItem, _ state: ObservedState) {
        if reads[item] == nil { reads[item] = state }
    }

    // MARK: Cache entries and strings

    /// The live entry under `key` in `cache`: this transaction's own write, else the committed
    /// one (recorded in the read set).
    func cacheEntry(_ key: Key, in cache: Cache) -> CacheEntryValue? {
        let item = GuardedItem.cacheEntry(cache: cache.name, key: key)
        if let pending = cacheOverlay[item] {
            guard let pending, pending.deadline > now else { return nil }
            return pending
        }
        let entry = cache.peek(key).map { CacheEntryValue(value: $0.value, deadline: $0.deadline) }
        record(item, .cacheEntry(entry))
        return entry
    }

    /// Queues storing `value` under `key` in `cache` until `deadline` (`Int64.max`: none).
    func setCacheEntry(_ value: [UInt8], deadline: Int64, forKey key: Key, in cache: Cache) {
        batch.setCached(value, forKey: key, deadline: deadline, inCache: cache.name)
        pendingCaches.insert(cache.name)
        cacheOverlay[.cacheEntry(cache: cache.name, key: key)] = .some(
            CacheEntryValue(value: value, deadline: deadline))
    }

    /// Queues removing `key` from `cache`.
    func removeCacheEntry(_ key: Key, in cache: Cache) {
        batch.removeCached(key, inCache: cache.name)
        pendingCaches.insert(cache.name)
        cacheOverlay[.cacheEntry(cache: cache.name, key: key)] = .some(nil)
    }

    /// ``Cache/update(_:_:)`` inside the transaction: `body` sees each key's entry as the
    /// transaction sees it, and its changes are queued.
    func updateCache<R, E: Error>(
        _ cache: Cache, _ keys: [Key], _ body: ([(value: [UInt8], deadline: Int64)?]) throws(E) -> ([Cache.Change], R)
    ) throws(E) -> R {
        let entries = keys.map { key in cacheEntry(key, in: cache).map { (value: $0.value, deadline: $0.deadline) } }
        let (changes, result) = try body(entries)
        precondition(changes.count == keys.count, "one change per key")
        for (key, change) in zip(keys, changes) {
            switch change {
            case .keep: continue
            case .set(let value, let deadline): setCacheEntry(value, deadline: deadline, forKey: key, in: cache)
            case .remove: removeCacheEntry(key, in: cache)
            }
        }
        return result
    }

    // MARK: Entities

    /// The entity `ref` (type namespaced) as the transaction sees it.
    func entity(_ ref: EntityRef) throws(QuiverError) -> Entity? {
        if let pending = entityOverlay[ref] { return pending }
        let entity = try snapshot.entity(ref)
        record(.entity(ref), .entity(entity))
        return entity
    }

    /// Queues an entity upsert with its embeddings (validated by the caller).
    func upsertEntity(_ ref: EntityRef, attributes: JSONValue, embeddings: [EntityEmbedding]) throws(QuiverError) {
        let old = try entity(ref)
        let now = self.now
        batch.upsertEntity(ref, attributes: attributes, embeddings: embeddings)
        entityOverlay[ref] = .some(
            Entity.pending(ref, attributes: attributes, created: old?.created ?? now, updated: now))
        pendingEntityTypes.insert(ref.type)
        for embedding in embeddings { pendingCollections.insert(embedding.collection) }
    }

    /// Queues deleting an entity with its vectors and notes; returns whether it existed.
    @discardableResult
    func deleteEntity(_ ref: EntityRef) throws(QuiverError) -> Bool {
        guard try entity(ref) != nil else { return false }
        batch.deleteEntity(ref)
        entityOverlay[ref] = .some(nil)
        pendingEntityTypes.insert(ref.type)
        pendingNoteEntities.insert(ref)
        // Its notes go with it: the committed ones and those this transaction added.
        var cursor: String?
        repeat {
            let page = try snapshot.notes(for: ref, after: cursor, limit: 10_000)
            for note in page.elements where noteOverlay[note.id] == nil { noteOverlay[note.id] = .some(nil) }
            cursor = page.nextCursor
        } while cursor != nil
        for (id, note) in noteOverlay where note?.entity == ref { noteOverlay[id] = .some(nil) }
        return true
    }

    // MARK: Notes

    /// The note `id` as the transaction sees it.
    func note(_ id: String) throws(QuiverError) -> Note? {
        if let pending = noteOverlay[id] { return pending }
        let note = try snapshot.note(id)
        record(.note(id), .note(note))
        return note
    }

    /// Queues a new note; returns it (with its id).
    func addNote(to entity: EntityRef, body: String, tags: [String], embedding: EntityEmbedding?) -> Note {
        let note = batch.addNoteRecord(to: entity, body: body, tags: tags, embedding: embedding)
        noteOverlay[note.id] = .some(note)
        pendingNoteEntities.insert(entity)
        if let embedding { pendingCollections.insert(embedding.collection) }
        return note
    }

    /// Queues an edit of an existing note (the caller checked it exists).
    func editNote(_ note: Note, body: String?, tags: [String]?) {
        var edited = note
        if let body { edited.body = body }
        if let tags { edited.tags = tags }
        edited.updated = now
        batch.editNote(note.id, body: body, tags: tags)
        noteOverlay[note.id] = .some(edited)
        pendingNoteEntities.insert(note.entity)
        if let collection = note.embeddingCollection, tags != nil { pendingCollections.insert(collection) }
    }

    /// Queues deleting a note (the caller checked it exists).
    func deleteNote(_ note: Note) {
        batch.deleteNote(note.id)
        noteOverlay[note.id] = .some(nil)
        pendingNoteEntities.insert(note.entity)
        if let collection = note.embeddingCollection { pendingCollections.insert(collection) }
    }

    // MARK: Other writes

    /// Queues what `body` adds to the batch (vector writes, say), and marks `collections` as
    /// written, so that searches of them later in the transaction refuse to run.
    func queue(touching collections: [String] = [], _ body: (inout Batch) -> Void) {
        body(&batch)
        pendingCollections.formUnion(collections)
    }

    /// Marks `collection` as written by the transaction.
    func markPendingWrites(collection: String) { pendingCollections.insert(collection) }

    /// Runs `hook` after the batch commits (and never if it does not): registry updates and
    /// other in-memory effects of a write.
    func afterCommit(_ hook: @escaping () -> Void) { hooks.append(hook) }

    /// Runs the after-commit hooks, in order.
    func runAfterCommitHooks() {
        let hooks = self.hooks
        self.hooks = []
        for hook in hooks { hook() }
    }

    // MARK: Reads that cannot see the overlay

    /// Throws unless the transaction has no queued writes to entities of `type` (namespaced).
    func requireNoPendingWrites(entityType type: String, command: String) throws(CommandError) {
        guard !pendingEntityTypes.contains(type) else {
            throw .err("\(command) inside MULTI cannot see the entity writes queued before it in the transaction")
        }
    }

    /// Throws unless the transaction has no queued writes to notes of `entity`.
    func requireNoPendingWrites(notesOf entity: EntityRef, command: String) throws(CommandError) {
        guard !pendingNoteEntities.contains(entity) else {
            throw .err("\(command) inside MULTI cannot see the note writes queued before it in the transaction")
        }
    }

    /// Throws unless the transaction has no queued writes to the cache table `cache`.
    func requireNoPendingWrites(cache: String, command: String) throws(CommandError) {
        guard !pendingCaches.contains(cache) else {
            throw .err("\(command) inside MULTI cannot see the cache writes queued before it in the transaction")
        }
    }

    /// Throws unless the transaction has queued no write that can change what a search of
    /// `collection` finds: vector writes to it, and entity writes of any type (an entity's
    /// vectors carry its attributes).
    func requireNoPendingWrites(collection: String, command: String) throws(CommandError) {
        guard !pendingCollections.contains(collection), pendingEntityTypes.isEmpty else {
            throw .err("\(command) inside MULTI cannot see the writes queued before it in the transaction")
        }
    }

    // MARK: Committing

    /// How a commit attempt ended.
    enum CommitOutcome {
        case committed
        /// A watched item changed since `WATCH`: nothing was written.
        case watchedItemChanged
        /// An item the transaction read changed since: nothing was written; run it again.
        case conflicted
    }

    /// Commits the batch if nothing the transaction read, and nothing in `watches`, changed.
    func commit(watches: [WatchedItem]) throws(QuiverError) -> CommitOutcome {
        let daemon = self.daemon
        var guarded = guardedItems
        for watch in watches { guarded.formUnion(watch.guardedItems(daemon: daemon)) }
        var outcome = CommitOutcome.committed
        let database = self.database
        let reads = self.reads
        let committed = try database.commit(batch, guarding: guarded) { () throws(QuiverError) -> Bool in
            let snapshot = database.snapshot()
            for watch in watches where try watch.hasChanged(daemon: daemon, snapshot: snapshot) {
                outcome = .watchedItemChanged
                return false
            }
            for (item, seen) in reads
            where try ObservedState.current(item, database: database, snapshot: snapshot) != seen {
                outcome = .conflicted
                return false
            }
            return true
        }
        return committed ? .committed : outcome
    }
}
