internal import QuiverEngine
internal import QuiverFilter
internal import QuiverMetadata

/// What a batch turns into: the engine operations, and the in-memory effects (cache entries)
/// applied when the engine publishes the write.
struct CommitPlan {
    var operations = WriteBatch()
    /// The cache effects, in order; consecutive stores into one cache still being gathered are in
    /// ``stores`` until ``finishEffects()``.
    private(set) var effects: [CacheEffect] = []
    private var stores: (cache: CacheState, run: [CacheTable.PendingStore])?
    /// The wall-clock time of the commit (milliseconds since 1970), read once for all intents.
    let now: Int64
    /// The cache the last cache intent named: a batch of one cache's writes looks it up once.
    var lastCache: CacheState?
    /// Entity records as the batch leaves them so far (`nil`: deleted), for later intents.
    var entities: [[UInt8]: EntityRecord?] = [:]
    /// Notes as the batch leaves them so far.
    var notes: [String: Note?] = [:]
    /// Persistent caches whose sets may evict entries that must then be removed durably.
    var evictingCaches: Set<String> = []

    init(now: Int64) { self.now = now }

    /// Adds a store into `cache`'s table, joining the run of stores into it before.
    mutating func store(_ key: Key, _ value: [UInt8], deadline: Int64, in cache: CacheState) {
        if stores?.cache === cache {
            stores!.run.append(CacheTable.PendingStore(key, value, deadline: deadline))
        } else {
            finishStores()
            stores = (cache, [CacheTable.PendingStore(key, value, deadline: deadline)])
        }
    }

    /// Adds a removal of `key` from `table`.
    mutating func remove(_ key: Key, from table: CacheTable) {
        finishStores()
        effects.append(.remove(table, key))
    }

    /// The effects, in order, with the last run of stores among them.
    mutating func finishEffects() -> [CacheEffect] {
        finishStores()
        return effects
    }

    private mutating func finishStores() {
        guard let (cache, run) = stores else { return }
        stores = nil
        effects.append(.store(cache, run))
    }
}

extension Database {
    /// Expands and commits a batch; see ``write(_:)-(_)``.
    func commit(_ batch: Batch) throws(QuiverError) {
        guard !batch.isEmpty else { return }
        let evicting = try stripes.withLocks(stripes.ordered(stripes(of: batch))) { () throws(QuiverError) -> Set<String> in
            try commitHoldingStripes(batch)
        }
        for cache in evicting { removeEvicted(from: cache) }
    }

    /// Commits a batch whose stripes the caller holds; returns the caches to clean of evictions.
    func commitHoldingStripes(_ batch: Batch) throws(QuiverError) -> Set<String> {
        var plan = try plan(batch)
        let effects = plan.finishEffects()
        if plan.operations.isEmpty {
            for effect in effects { effect.apply() }
        } else {
            do {
                try engine.write(plan.operations) { _ in for effect in effects { effect.apply() } }
            } catch { throw QuiverError.wrap(error) }
        }
        return plan.evictingCaches
    }


    // MARK: Expansion

    /// Expands every intent of `batch` against a snapshot, which is released on return: a
    /// snapshot held while the engine publishes would make it copy the memtable maps it shares.
    private func plan(_ batch: Batch) throws(QuiverError) -> CommitPlan {
        let snapshot = engine.snapshot()
        var plan = CommitPlan(now: configuration.wallClock())
        for intent in batch.intents { try expand(intent, snapshot: snapshot, into: &plan) }
        return plan
    }

    private func expand(_ intent: Batch.Intent, snapshot: Snapshot, into plan: inout CommitPlan) throws(QuiverError) {
        let now = plan.now
        switch intent {
        case .upsertVector(let collection, let key, let vector, let attributes):
            try checkUserCollection(collection)
            plan.operations.upsert(key, vector: vector, attributes: attributes, in: collection)
        case .deleteVector(let collection, let key):
            try checkUserCollection(collection)
            plan.operations.delete(key, in: collection)
        case .setVectorAttributes(let collection, let key, let attributes):
            try checkUserCollection(collection)
            plan.operations.setAttributes(attributes, of: key, in: collection)

        case .upsertEntity(let ref, let attributes, let embeddings):
            try Self.validate(ref)
            guard case .object = try Self.parseAttributes(attributes, of: ref) else {
                throw QuiverError(.invalidArgument, "attributes of entity \(ref) must be a JSON object")
            }
            let key = MetadataKeys.entity(ref)
            let old = try entityRecord(key, ref: ref, snapshot: snapshot, plan: plan)
            var owned = old?.owned ?? []
            for embedding in embeddings {
                try checkUserCollection(embedding.collection)
                let vectorKey = MetadataKeys.entityVector(ref)
                plan.operations.upsert(Key(vectorKey), vector: embedding.vector, attributes: attributes, in: embedding.collection)
                let entry = EntityRecord.OwnedVector(collection: embedding.collection, key: vectorKey)
                if !owned.contains(entry) { owned.append(entry) }
            }
            // Vectors the entity keeps take its new attributes; those in dropped collections are gone.
            let collections = Set(snapshot.collectionNames)
            owned.removeAll { !collections.contains($0.collection) }
            for vector in owned where !embeddings.contains(where: { $0.collection == vector.collection }) {
                plan.operations.setAttributes(attributes, of: Key(vector.key), in: vector.collection)
            }
            let record = EntityRecord(created: old?.created ?? now, updated: now, attributes: attributes, owned: owned)
            try reindex(ref, from: old, to: record, into: &plan)
            plan.operations.put(record.encoded, forKey: Key(key), in: MetadataKeys.entities)
            plan.entities[key] = .some(record)

        case .deleteEntity(let ref):
            let key = MetadataKeys.entity(ref)
            if let old = try entityRecord(key, ref: ref, snapshot: snapshot, plan: plan) {
                try reindex(ref, from: old, to: nil, into: &plan)
                let collections = Set(snapshot.collectionNames)
                for vector in old.owned where collections.contains(vector.collection) {
                    plan.operations.delete(Key(vector.key), in: vector.collection)
                }
                plan.operations.remove(Key(key), in: MetadataKeys.entities)
                plan.entities[key] = .some(nil)
            }
            // Its notes, even when the entity itself was never stored (notes attach to any
            // reference): those committed, and those this batch added.
            let prefix = MetadataKeys.notesPrefix(ref)
            var ids: [String] = []
            do {
                try snapshot.scan(MetadataKeys.notesByEntity, from: Key(prefix), below: Key(SortableKeyEncoder.successor(ofPrefix: prefix))) {
                    record in
                    if let id = MetadataKeys.noteID(fromEntry: record.key.bytes) { ids.append(id) }
                    return true
                }
            } catch { throw QuiverError.wrap(error) }
            ids += plan.notes.compactMap { id, note in note?.entity == ref ? id : nil }
            for id in Set(ids) {
                if let note = try noteRecord(id, snapshot: snapshot, plan: plan) { removeNote(note, into: &plan) }
            }

        case .addNote(var note, let embedding):
            try Self.validate(note.entity)
            if let embedding {
                try checkUserCollection(embedding.collection)
                note.embeddingCollection = embedding.collection
                plan.operations.upsert(note.embeddingKey, vector: embedding.vector, attributes: note.embeddingAttributes, in: embedding.collection)
            }
            plan.operations.put(note.encoded, forKey: Key(MetadataKeys.note(note.id)), in: MetadataKeys.notes)
            plan.operations.put(
                [], forKey: Key(MetadataKeys.noteByEntity(note.entity, created: note.created, id: note.id)), in: MetadataKeys.notesByEntity)
            plan.notes[note.id] = .some(note)

        case .editNote(let id, let body, let tags, let embedding):
            guard var note = try noteRecord(id, snapshot: snapshot, plan: plan) else {
                throw QuiverError(.notFound, "no note with id \(id)")
            }
            if let body { note.body = body }
            if let tags { note.tags = tags }
            note.updated = now
            if let embedding {
                try checkUserCollection(embedding.collection)
                if let old = note.embeddingCollection, old != embedding.collection, snapshot.collectionNames.contains(old) {
                    plan.operations.delete(note.embeddingKey, in: old)
                }
                note.embeddingCollection = embedding.collection
                plan.operations.upsert(note.embeddingKey, vector: embedding.vector, attributes: note.embeddingAttributes, in: embedding.collection)
            } else if let collection = note.embeddingCollection, tags != nil, snapshot.collectionNames.contains(collection) {
                plan.operations.setAttributes(note.embeddingAttributes, of: note.embeddingKey, in: collection)
            }
            plan.operations.put(note.encoded, forKey: Key(MetadataKeys.note(id)), in: MetadataKeys.notes)
            plan.notes[id] = .some(note)

        case .deleteNote(let id):
            guard let note = try noteRecord(id, snapshot: snapshot, plan: plan) else { return }
            removeNote(note, into: &plan)

        case .cacheSet(let name, let key, let value, let ttl):
            let cache = try planCache(name, &plan)
            try expandCacheSet(cache, key, value, deadline: cache.table.deadline(ttl: ttl), into: &plan)
        case .cacheSetAll(let name, let entries):
            let cache = try planCache(name, &plan)
            let deadline = cache.table.deadline(ttl: nil)
            for entry in entries { try expandCacheSet(cache, entry.key, entry.value, deadline: deadline, into: &plan) }
        case .cacheSetUntil(let name, let key, let value, let deadline):
            try expandCacheSet(try planCache(name, &plan), key, value, deadline: deadline, into: &plan)
        case .cacheDelete(let name, let key):
            let cache = try planCache(name, &plan)
            if cache.configuration.persistent { plan.operations.remove(key, in: cache.engineTable) }
            plan.remove(key, from: cache.table)
        }
    }

    /// The cache `name`, looked up once for a run of intents on one cache.
    private func planCache(_ name: String, _ plan: inout CommitPlan) throws(QuiverError) -> CacheState {
        if let last = plan.lastCache, last.name == name { return last }
        let cache = try cacheState(name)
        plan.lastCache = cache
        if cache.configuration.persistent { plan.evictingCaches.insert(name) }
        return cache
    }

    private func expandCacheSet(_ cache: CacheState, _ key: Key, _ value: [UInt8], deadline: Int64, into plan: inout CommitPlan) throws(QuiverError) {
        if deadline <= plan.now {
            // Already expired: a removal (an expired entry reads as absent anyway).
            if cache.configuration.persistent { plan.operations.remove(key, in: cache.engineTable) }
            plan.remove(key, from: cache.table)
            return
        }
        if cache.configuration.persistent {
            plan.operations.put(value, forKey: key, expiresAt: deadline == .max ? nil : deadline, in: cache.engineTable)
        }
        plan.store(key, value, deadline: deadline, in: cache)
    }

    private func removeNote(_ note: Note, into plan: inout CommitPlan) {
        plan.operations.remove(Key(MetadataKeys.note(note.id)), in: MetadataKeys.notes)
        plan.operations.remove(
            Key(MetadataKeys.noteByEntity(note.entity, created: note.created, id: note.id)), in: MetadataKeys.notesByEntity)
        if let collection = note.embeddingCollection, engine.collectionNames.contains(collection) {
            plan.operations.delete(note.embeddingKey, in: collection)
        }
        plan.notes[note.id] = .some(nil)
    }

    /// Index entries removed for the old record's values and added for the new one's.
    private func reindex(_ ref: EntityRef, from old: EntityRecord?, to new: EntityRecord?, into plan: inout CommitPlan) throws(QuiverError) {
        guard let definition = entityTypes.withLock({ $0[ref.type] }), !definition.indexedAttributes.isEmpty else { return }
        func entries(_ record: EntityRecord?) throws(QuiverError) -> [[UInt8]: UInt8] {
            guard let record else { return [:] }
            let value = try Self.parseAttributes(record.attributes, of: ref)
            var out: [[UInt8]: UInt8] = [:]
            for attribute in definition.indexedAttributes {
                guard let field = value[attribute] else { continue }
                for (component, origin) in MetadataKeys.indexValues(field) {
                    out[MetadataKeys.indexEntry(ref, attribute: attribute, value: component)] = origin.rawValue
                }
            }
            return out
        }
        let before = try entries(old)
        let after = try entries(new)
        for key in before.keys where after[key] == nil { plan.operations.remove(Key(key), in: MetadataKeys.entityIndex) }
        for (key, origin) in after where before[key] != origin {
            plan.operations.put([origin], forKey: Key(key), in: MetadataKeys.entityIndex)
        }
    }

    private func entityRecord(_ key: [UInt8], ref: EntityRef, snapshot: Snapshot, plan: CommitPlan) throws(QuiverError) -> EntityRecord? {
        if let pending = plan.entities[key] { return pending }
        let record: Record?
        do { record = try snapshot.record(Key(key), in: MetadataKeys.entities) } catch { throw QuiverError(error) }
        return try record.map { (record) throws(QuiverError) in try EntityRecord(decoding: record.value) }
    }

    func noteRecord(_ id: String, snapshot: Snapshot, plan: CommitPlan) throws(QuiverError) -> Note? {
        if let pending = plan.notes[id] { return pending }
        let record: Record?
        do { record = try snapshot.record(Key(MetadataKeys.note(id)), in: MetadataKeys.notes) } catch { throw QuiverError(error) }
        return try record.map { (record) throws(QuiverError) in try Note(id: id, decoding: record.value) }
    }

    private func checkUserCollection(_ name: String) throws(QuiverError) {
        guard !name.hasPrefix(MetadataKeys.reservedPrefix) else {
            throw QuiverError(.invalidArgument, "\(name) is one of the database's own tables, not a collection")
        }
    }

    static func validate(_ ref: EntityRef) throws(QuiverError) {
        guard !ref.type.isEmpty, ref.type.utf8.count <= 255 else {
            throw QuiverError(.invalidArgument, "entity types are 1...255 bytes")
        }
        guard ref.id.utf8.count <= 4096 else { throw QuiverError(.invalidArgument, "entity ids are at most 4096 bytes") }
    }

    static func parseAttributes(_ bytes: [UInt8], of ref: EntityRef) throws(QuiverError) -> JSONValue {
        do { return try JSONValue(parsing: bytes) } catch {
            throw QuiverError(.invalidArgument, "attributes of entity \(ref) are not JSON: \(error)")
        }
    }
}
