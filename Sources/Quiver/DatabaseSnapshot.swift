public import QuiverEngine
internal import QuiverFilter

/// A consistent, read-only view of a ``Database`` as of one moment: every read through it sees
/// exactly the batches committed before it was taken, whatever writers do meanwhile.
///
/// Cheap to take (``Database/snapshot()``) and to keep; `Sendable`. Cache tables are not part
/// of a snapshot: they are read live (``Cache``).
public struct DatabaseSnapshot: Sendable {
    let database: Database
    let snapshot: Snapshot

    // MARK: Vectors

    /// The vector under `key` in `collection`, or `nil`.
    public func vector(_ key: Key, in collection: String) throws(QuiverError) -> VectorRecord? {
        do {
            return try snapshot.get(key, in: collection).map {
                VectorRecord(key: key, vector: $0.vector, rawAttributes: $0.attributes)
            }
        } catch { throw QuiverError(error) }
    }

    /// The `k` vectors of `collection` nearest to `query`, nearest first.
    ///
    /// - Parameters:
    ///   - ef: candidates explored (accuracy against speed); default `max(k, 64)`.
    ///   - filter: a FILTER expression over the vectors' JSON attributes
    ///     (`.genre == "action" and .year >= 1980`); vectors without attributes never match.
    ///   - includeAttributes: whether matches carry their attributes.
    /// - Throws: ``QuiverError`` `invalidArgument` for a wrong dimension, `k` or `ef` under 1, or
    ///   a bad filter (with the position of the mistake), `notFound` for an unknown collection.
    public func search(
        _ query: [Float], k: Int = 10, ef: Int? = nil, filter: String? = nil, includeAttributes: Bool = false,
        in collection: String
    ) throws(QuiverError) -> [VectorMatch] {
        let expression = try filter.map { (source) throws(QuiverError) in try Self.compile(source) }
        return try search(query, k: k, ef: ef, filter: expression, includeAttributes: includeAttributes, in: collection)
    }

    /// The `k` vectors nearest to `query` among those `filter` (compiled once, reused) accepts.
    public func search(
        _ query: [Float], k: Int = 10, ef: Int? = nil, filter: FilterExpression?, includeAttributes: Bool = false,
        in collection: String
    ) throws(QuiverError) -> [VectorMatch] {
        guard k >= 1 else { throw QuiverError(.invalidArgument, "k must be at least 1, got \(k)") }
        // Checked here, not only by a graph search: a memtable-only collection is read exhaustively.
        if let ef, ef < 1 { throw QuiverError(.invalidArgument, "ef must be at least 1, got \(ef)") }
        let dimension: Int
        do { dimension = try snapshot.definition(of: collection).index.dimension } catch { throw QuiverError(error) }
        guard query.count == dimension else {
            throw QuiverError(.invalidArgument, "query has \(query.count) dimensions, collection \(collection) has \(dimension)")
        }
        let predicate: (([UInt8]?) -> Bool)? = filter.map { expression in { expression.matches(attributes: $0) } }
        do {
            return try snapshot.search(query, k: k, ef: ef, in: collection, withAttributes: includeAttributes, filter: predicate)
                .map { VectorMatch(key: $0.key, distance: $0.distance, rawAttributes: $0.attributes) }
        } catch { throw QuiverError(error) }
    }

    /// The `k` vectors nearest to the one stored under `key` (itself included, usually first).
    ///
    /// - Throws: ``QuiverError`` `notFound` when `key` is absent.
    public func search(
        similarTo key: Key, k: Int = 10, ef: Int? = nil, filter: String? = nil, includeAttributes: Bool = false,
        in collection: String
    ) throws(QuiverError) -> [VectorMatch] {
        guard let stored = try vector(key, in: collection) else {
            throw QuiverError(.notFound, "no vector under \(key) in collection \(collection)")
        }
        return try search(stored.vector, k: k, ef: ef, filter: filter, includeAttributes: includeAttributes, in: collection)
    }

    /// Number of live vectors in `collection`.
    public func count(in collection: String) throws(QuiverError) -> Int {
        do { return try snapshot.count(in: collection) } catch { throw QuiverError(error) }
    }

    /// Keys of `collection` in byte order, from the first not less than `start`, at most `limit`.
    public func keys(in collection: String, from start: Key? = nil, limit: Int = .max) throws(QuiverError) -> [Key] {
        var out: [Key] = []
        guard limit > 0 else { return out }
        do {
            try snapshot.forEachKey(in: collection, from: start) {
                out.append($0)
                return out.count < limit
            }
        } catch { throw QuiverError(error) }
        return out
    }

    static func compile(_ source: String) throws(QuiverError) -> FilterExpression {
        do { return try FilterExpression(source) } catch { throw QuiverError(filter: error, in: source) }
    }

    // MARK: Entities

    /// The entity `ref`, or `nil`.
    public func entity(_ ref: EntityRef) throws(QuiverError) -> Entity? {
        let record: Record?
        do { record = try snapshot.record(Key(MetadataKeys.entity(ref)), in: MetadataKeys.entities) } catch { throw QuiverError(error) }
        guard let record else { return nil }
        return try EntityRecord(decoding: record.value).entity(ref)
    }

    /// Entities of `type` that pass `filter` (all when `nil`), a page at a time.
    ///
    /// A filter whose top-level `and` terms compare an indexed attribute with literals reads
    /// only that attribute's index entries; others read every entity of the type. Pages are
    /// ordered by id, except when a range (`<`, `>`...) on an indexed attribute is used: then
    /// by that attribute's value, then id. A cursor resumes after the last entity returned, so
    /// pages stay stable while others write: an entity that exists and passes the filter,
    /// unchanged, for the whole listing is returned exactly once. Pages in id order never return
    /// an entity twice; in value order, an entity written meanwhile may be returned again when
    /// its value moved past the cursor. Entities written meanwhile may be returned or not.
    ///
    /// - Parameters:
    ///   - after: the ``Page/nextCursor`` of the previous page, or `nil` for the first.
    ///   - limit: entities per page, 1...10,000.
    /// - Throws: ``QuiverError`` `invalidArgument` for a bad filter or cursor.
    public func entities(
        ofType type: String, filter: String? = nil, after cursor: String? = nil, limit: Int = 100
    ) throws(QuiverError) -> Page<Entity> {
        guard (1...10_000).contains(limit) else { throw QuiverError(.invalidArgument, "limit must be 1...10000, got \(limit)") }
        let expression = try filter.map { (source) throws(QuiverError) in try Self.compile(source) }
        let query = EntityQuery(
            type: type, filter: expression, indexed: database.entityTypes.withLock { $0[type]?.indexedAttributes ?? [] })
        return try query.page(in: snapshot, after: cursor, limit: limit)
    }

    /// How many entities of `type` (passing `filter`, when given) have each value of `attribute`:
    /// the facet counts of a listing (species, status). Arrays count once per element; entities
    /// without the attribute are not counted.
    ///
    /// - Complexity: reads the attribute's index when it is indexed and there is no filter,
    ///   otherwise every entity of the type.
    ///
    /// - Returns: The counts, largest first.
    public func entityCounts(ofType type: String, by attribute: String, filter: String? = nil) throws(QuiverError) -> [FacetCount] {
        let expression = try filter.map { (source) throws(QuiverError) in try Self.compile(source) }
        let query = EntityQuery(
            type: type, filter: expression, indexed: database.entityTypes.withLock { $0[type]?.indexedAttributes ?? [] })
        return try query.counts(by: attribute, in: snapshot)
    }

    /// The `k` entities whose vectors in `collection` are nearest to `query`, with their distances,
    /// among those passing `filter` (over the entities' attributes).
    public func searchEntities(
        _ query: [Float], k: Int = 10, ef: Int? = nil, filter: String? = nil, in collection: String
    ) throws(QuiverError) -> [(entity: Entity, distance: Float)] {
        var out: [(Entity, Float)] = []
        for match in try search(query, k: k, ef: ef, filter: filter, in: collection) {
            guard let ref = MetadataKeys.entityRef(match.key.bytes), let entity = try entity(ref) else { continue }
            out.append((entity, match.distance))
        }
        return out
    }

    // MARK: Notes

    /// The note with `id`, or `nil`.
    public func note(_ id: String) throws(QuiverError) -> Note? {
        try database.noteRecord(id, snapshot: snapshot, plan: CommitPlan(now: database.configuration.wallClock()))
    }

    /// Notes attached to `entity`, newest first, a page at a time.
    public func notes(for entity: EntityRef, after cursor: String? = nil, limit: Int = 50) throws(QuiverError) -> Page<Note> {
        guard (1...10_000).contains(limit) else { throw QuiverError(.invalidArgument, "limit must be 1...10000, got \(limit)") }
        let prefix = MetadataKeys.notesPrefix(entity)
        var start = prefix
        if let cursor {
            guard let resume = CursorCoding.decode(cursor), resume.starts(with: prefix) else {
                throw QuiverError(.invalidArgument, "cursor \(cursor.debugDescription) does not belong to this listing")
            }
            start = SortableKeyEncoder.successor(ofKey: resume)
        }
        var notes: [Note] = []
        var last: [UInt8]?
        var more = false
        do {
            try snapshot.scan(MetadataKeys.notesByEntity, from: Key(start), below: Key(SortableKeyEncoder.successor(ofPrefix: prefix))) {
                record in
                guard notes.count < limit else {
                    more = true
                    return false
                }
                if let id = MetadataKeys.noteID(fromEntry: record.key.bytes), let note = try self.note(id) {
                    notes.append(note)
                    last = record.key.bytes
                }
                return true
            }
        } catch { throw QuiverError.wrap(error) }
        return Page(elements: notes, nextCursor: more ? last.map(CursorCoding.encode) : nil)
    }
}

/// Cursors are the last key read, in hex: opaque to callers, checked when given back.
enum CursorCoding {
    static func encode(_ key: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(key.count * 2)
        for byte in key {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ cursor: String) -> [UInt8]? {
        let utf8 = Array(cursor.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}
