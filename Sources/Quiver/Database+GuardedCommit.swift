package import QuiverEngine
internal import QuiverFilter
internal import QuiverMetadata

/// What a guarded commit locks and lets its check re-read: one cache entry, entity or note.
///
/// The daemon's transactions (`MULTI`/`EXEC`, `WATCH`) name here what they read and wrote, so
/// that the commit can confirm, holding the same stripes every writer of those items holds, that
/// nothing changed them since.
package enum GuardedItem: Hashable, Sendable {
    case cacheEntry(cache: String, key: Key)
    case entity(EntityRef)
    case note(String)
}

extension Database {
    /// An empty batch to fill now and commit later with ``commit(_:guarding:if:)``: the batch of a
    /// transaction that is built one command at a time.
    package func makeBatch() -> Batch { Batch(clock: configuration.wallClock, noteIDs: noteIDs) }

    /// Commits `batch` only if `check` approves, with no other write to the batch's items or to
    /// `guarded` in between: `check` runs holding the stripes of both (the ones every entity,
    /// note and cache write holds while it reads and commits), so what it re-reads through
    /// ``snapshot()`` and ``Cache/peek(_:)`` stays as it saw it until the batch is published.
    ///
    /// - Parameters:
    ///   - guarded: items `check` reads besides those the batch writes.
    ///   - check: whether to commit; it must not write.
    /// - Returns: Whether the batch was committed (`false`: `check` refused, nothing was written).
    /// - Throws: What `check` throws, or the ``QuiverError`` of an invalid batch; nothing is
    ///   written then.
    package func commit(
        _ batch: Batch, guarding guarded: some Sequence<GuardedItem>, if check: () throws(QuiverError) -> Bool
    ) throws(QuiverError) -> Bool {
        let held = stripes.ordered(guarded.map(stripe(of:)) + stripes(of: batch))
        let (committed, evicting) = try stripes.withLocks(held) {
            () throws(QuiverError) -> (Bool, Set<String>) in
            guard try check() else { return (false, []) }
            guard !batch.isEmpty else { return (true, []) }
            return (true, try commitHoldingStripes(batch))
        }
        for cache in evicting { removeEvicted(from: cache) }
        return committed
    }

    /// The stripe `item` is guarded by.
    func stripe(of item: GuardedItem) -> Int {
        switch item {
        case .cacheEntry(let cache, let key): stripes.stripe(ofCache: cache, key: key)
        case .entity(let ref): stripes.stripe(of: MetadataKeys.entity(ref))
        case .note(let id): stripes.stripe(of: MetadataKeys.note(id))
        }
    }

    /// The stripes a batch's commit holds while it reads and writes (with repeats): those of
    /// every entity, note and cache entry it touches.
    func stripes(of batch: Batch) -> [Int] {
        var indices: [Int] = []
        indices.reserveCapacity(batch.intents.count)
        for intent in batch.intents {
            switch intent {
            case .upsertEntity(let ref, _, _), .deleteEntity(let ref): indices.append(stripes.stripe(of: MetadataKeys.entity(ref)))
            case .addNote(let note, _):
                indices.append(stripes.stripe(of: MetadataKeys.note(note.id)))
                indices.append(stripes.stripe(of: MetadataKeys.entity(note.entity)))
            case .editNote(let id, _, _, _), .deleteNote(let id): indices.append(stripes.stripe(of: MetadataKeys.note(id)))
            case .cacheSet(let cache, let key, _, _), .cacheSetUntil(let cache, let key, _, _),
                .cacheDelete(let cache, let key):
                indices.append(stripes.stripe(ofCache: cache, key: key))
            case .cacheSetAll(let cache, let entries):
                for entry in entries { indices.append(stripes.stripe(ofCache: cache, key: entry.key)) }
            case .upsertVector, .deleteVector, .setVectorAttributes: break
            }
        }
        return indices
    }
}

extension Batch {
    /// Attaches a note like ``addNote(to:body:tags:embedding:)`` and returns the note as the
    /// batch will store it (id, times; its embedding's collection is set when the batch commits).
    package mutating func addNoteRecord(
        to entity: EntityRef, body: String, tags: [String] = [], embedding: EntityEmbedding? = nil
    ) -> Note {
        addNote(to: entity, body: body, tags: tags, embedding: embedding)
        guard case .addNote(var note, _)? = intents.last else { preconditionFailure("addNote appends its intent") }
        note.embeddingCollection = embedding?.collection
        return note
    }
}

extension Entity {
    /// An entity as a batch being built will store it (the daemon's reads inside a transaction).
    package static func pending(_ ref: EntityRef, attributes: JSONValue, created: Int64, updated: Int64) -> Entity {
        Entity(ref: ref, attributes: attributes, created: created, updated: updated)
    }
}
