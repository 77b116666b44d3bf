internal import HashTreeCollections
internal import QuiverIndex
internal import QuiverStorage

/// What a batch's operation did before it was logged: the memtable rows it inserted.
enum PreparedOperation: Sendable {
    case none
    /// A row inserted into `memtable` for an upsert.
    case row(MemTable, UInt32)
    /// A row inserted for an attribute update of the row at `basis` (its location when read).
    case reattributed(MemTable, UInt32, basis: RowIdentity)
}

/// Which row a key resolved to: the part (`nil` for the memtable) and the id.
struct RowIdentity: Sendable, Equatable {
    var part: UInt64?
    var id: UInt32

    init(_ location: CollectionView.Location) {
        switch location {
        case .memtable(let id): self.init(part: nil, id: id)
        case .part(let part, let id): self.init(part: part.number, id: id)
        }
    }

    init(part: UInt64?, id: UInt32) {
        self.part = part
        self.id = id
    }
}

extension StorageEngine {
    // MARK: Writing

    /// Commits `batch`: validated as a whole (nothing is written when any operation is invalid),
    /// logged as one record, then published: readers see all of it or none of it.
    ///
    /// - Returns: The batch's sequence number in the log.
    /// - Throws: ``EngineError`` `invalidArgument` (wrong dimension, NaN, empty key), `notFound`
    ///   (unknown collection or table), `alreadyExists`; `readOnly` after a failed fsync or `close`.
    @discardableResult
    public func write(_ batch: WriteBatch) throws(EngineError) -> UInt64 {
        try write(batch, published: nil)
    }

    /// Commits `batch` like ``write(_:)``, and runs `published` with its sequence number right
    /// after the batch becomes visible, in log order with every other write's: a layer above
    /// applies in-memory effects there (a cache's entries) so that they follow the log's order.
    ///
    /// `published` must be short: later writes wait for it.
    @discardableResult
    package func write(_ batch: WriteBatch, published: (@Sendable (UInt64) -> Void)?) throws(EngineError) -> UInt64 {
        guard !batch.isEmpty else { return wal.lastSequence }
        if let failure = failure.withLock({ $0 }) { throw failure }
        let run = { () throws(EngineError) -> UInt64 in
            let prepared = try self.validateAndPrepare(batch)
            do {
                return try self.wal.append(batch.encoded) { sequence in
                    self.state.withLock { Self.publish(batch, prepared, sequence: sequence, into: &$0) }
                    published?(sequence)
                }
            } catch {
                Self.abandon(prepared)
                let wrapped = Self.wrap(error)
                if self.wal.isReadOnly { self.fail(wrapped) }
                throw wrapped
            }
        }
        let sequence: UInt64
        if batch.definesSchema {
            sequence = try gate.withWriteLock { () throws(EngineError) -> UInt64 in try run() }
        } else {
            sequence = try gate.withReadLock { () throws(EngineError) -> UInt64 in try run() }
        }
        scheduleMaintenanceIfNeeded()
        return sequence
    }

    /// Validates `batch` against the current state and prepares it. The copy of the state it
    /// reads is released on return, before the batch is published, so that publication finds
    /// the memtables' maps referenced once (see ``SortedMap/insert(_:forKey:)``).
    private func validateAndPrepare(_ batch: WriteBatch) throws(EngineError) -> [PreparedOperation] {
        let current = state.withLock { $0 }
        try Self.validate(batch, against: current)
        do { return try Self.prepare(batch, in: current) } catch { throw Self.wrap(error) }
    }

    func fail(_ error: EngineError) {
        failure.withLock { $0 = $0 ?? EngineError(.readOnly, "the engine refuses writes until reopened: \(error.message)") }
    }

    /// Checks every operation against the state as the earlier operations leave it.
    static func validate(_ batch: WriteBatch, against state: DatabaseState) throws(EngineError) {
        // Only a batch that creates or drops names pays for a record of its changes.
        var collections: [String: CollectionDefinition?] = [:]
        var tables: [String: Bool] = [:]
        func collection(_ name: String) throws(EngineError) -> CollectionDefinition {
            if let changed = collections[name] {
                guard let changed else { throw EngineError(.notFound, "no collection named \(name)") }
                return changed
            }
            guard let view = state.collections[name] else { throw EngineError(.notFound, "no collection named \(name)") }
            return view.definition
        }
        // A run of writes to one table looks it up once.
        var lastTable: String?
        func hasTable(_ name: String) -> Bool {
            if name == lastTable { return true }
            guard tables[name] ?? (state.tables[name] != nil) else { return false }
            lastTable = name
            return true
        }
        func nameIsFree(_ name: String) -> Bool {
            (collections[name].map { $0 == nil } ?? (state.collections[name] == nil)) && !hasTable(name)
        }
        for step in batch.steps {
            guard case .single(let operation) = step else {
                guard case .puts(let index) = step else { continue }
                try validate(batch.runs[index], hasTable: hasTable)
                continue
            }
            switch operation {
            case .createCollection(let definition):
                try definition.validate()
                guard nameIsFree(definition.name) else {
                    throw EngineError(.alreadyExists, "a collection or table named \(definition.name) already exists")
                }
                collections[definition.name] = .some(definition)
            case .dropCollection(let name):
                _ = try collection(name)
                collections[name] = .some(nil)
            case .upsert(let name, let key, let vector, let attributes):
                let definition = try collection(name)
                try validate(key: key)
                guard vector.count == definition.index.dimension else {
                    throw EngineError(
                        .invalidArgument,
                        "vector for \(key) has \(vector.count) dimensions, collection \(name) has \(definition.index.dimension)")
                }
                guard vector.allSatisfy(\.isFinite) else { throw EngineError(.invalidArgument, "vector for \(key) has a NaN or infinite element") }
                // A zero vector in a cosine collection is stored as zeros, at distance 1 from
                // everything (the index's rule); Redis vector sets accept them.
                try validate(attributes: attributes, of: key)
            case .delete(let name, let key):
                _ = try collection(name)
                try validate(key: key)
            case .setAttributes(let name, let key, let attributes):
                _ = try collection(name)
                try validate(key: key)
                try validate(attributes: attributes, of: key)
            case .createTable(let definition):
                try definition.validate()
                guard nameIsFree(definition.name) else {
                    throw EngineError(.alreadyExists, "a collection or table named \(definition.name) already exists")
                }
                tables[definition.name] = true
            case .dropTable(let name):
                guard hasTable(name) else { throw EngineError(.notFound, "no table named \(name)") }
                tables[name] = false
                lastTable = nil
            case .put:
                preconditionFailure(WriteBatch.putsAreRuns)
            case .remove(let name, let key):
                guard hasTable(name) else { throw EngineError(.notFound, "no table named \(name)") }
                try validate(key: key)
            }
        }
    }

    /// Checks a run of puts: its table exists, and every key, value and expiry is valid.
    private static func validate(_ run: RecordPuts, hasTable: (String) -> Bool) throws(EngineError) {
        guard hasTable(run.table) else { throw EngineError(.notFound, "no table named \(run.table)") }
        for i in run.keys.indices {
            let key = run.keys[i]
            try validate(key: key)
            let count = run.values[i].count
            guard count <= 64 << 20 else { throw EngineError(.invalidArgument, "value for \(key) is \(count) bytes (limit 64 MiB)") }
            guard run.expiries[i] >= 0 else {
                throw EngineError(.invalidArgument, "expiry for \(key) must be a positive wall-clock time in milliseconds")
            }
        }
    }

    static func validate(key: Key) throws(EngineError) {
        guard key.bytes.count <= 65535 else { throw EngineError(.invalidArgument, "keys are at most 65535 bytes") }
    }

    private static func validate(attributes: [UInt8]?, of key: Key) throws(EngineError) {
        if let attributes, attributes.count > 16 << 20 {
            throw EngineError(.invalidArgument, "attributes for \(key) are \(attributes.count) bytes (limit 16 MiB)")
        }
    }

    // MARK: Preparing (before the log) and publishing (after it, in log order)

    /// Inserts the batch's new vectors into the memtables, invisible until published.
    static func prepare(_ batch: WriteBatch, in state: DatabaseState) throws -> [PreparedOperation] {
        var prepared: [PreparedOperation] = []
        prepared.reserveCapacity(batch.steps.count)
        do {
            for step in batch.steps {
                guard case .single(let operation) = step else {
                    prepared.append(.none)
                    continue
                }
                switch operation {
                case .upsert(let name, let key, let vector, let attributes):
                    // A batch that creates the collection runs alone; its rows go in at publication.
                    guard let view = state.collections[name] else {
                        prepared.append(.none)
                        continue
                    }
                    let norm = view.definition.index.metric == .cosine ? length(vector) : 1
                    let id = try view.memtable.insert(vector, row: MemRow(key: key.bytes, attributes: attributes, norm: norm))
                    prepared.append(.row(view.memtable, id))
                case .setAttributes(let name, let key, let attributes):
                    guard let view = state.collections[name], let location = view.locate(key.bytes, asOf: state.sequence),
                        let stored = try view.get(key.bytes, asOf: state.sequence)
                    else {
                        prepared.append(.none)
                        continue
                    }
                    let norm = view.definition.index.metric == .cosine ? length(stored.vector) : 1
                    let id = try view.memtable.insert(stored.vector, row: MemRow(key: key.bytes, attributes: attributes, norm: norm))
                    prepared.append(.reattributed(view.memtable, id, basis: RowIdentity(location)))
                default:
                    prepared.append(.none)
                }
            }
        } catch {
            abandon(prepared)
            throw error
        }
        return prepared
    }

    /// Removes the rows of a batch that will never be published.
    static func abandon(_ prepared: [PreparedOperation]) {
        for operation in prepared {
            switch operation {
            case .none: break
            case .row(let memtable, let id), .reattributed(let memtable, let id, _): try? memtable.index.remove(id)
            }
        }
    }

    /// Makes a logged batch visible: the new state of every collection and table it touches.
    static func publish(_ batch: WriteBatch, _ prepared: [PreparedOperation], sequence: UInt64, into state: inout DatabaseState) {
        // The table a run of puts and removes writes, taken out of `state.tables` once for the
        // run (so that its memtable map is referenced once and changes in place where no
        // snapshot shares it) and stored back when it ends.
        var open: (name: String, view: TableView)?
        func openTable(_ name: String) -> Bool {
            if open?.name == name { return true }
            closeTable()
            guard let view = state.tables.removeValue(forKey: name) else { return false }
            open = (name, view)
            return true
        }
        func closeTable() {
            if let (name, view) = open { state.tables[name] = view }
            open = nil
        }
        defer { closeTable() }
        for (step, preparation) in zip(batch.steps, prepared) {
            guard case .single(let operation) = step else {
                guard case .puts(let index) = step else { continue }
                let run = batch.runs[index]
                guard openTable(run.table) else { continue }
                var bytes = 0
                for i in run.keys.indices {
                    let key = run.keys[i].bytes
                    let value = run.values[i]
                    open!.view.entries.insert(RecordEntry(value: value, expiresAt: run.expiries[i], sequence: sequence), forKey: key)
                    bytes += key.count + value.count + 64
                }
                open!.view.memtableBytes += bytes
                state.memtableBytes += bytes
                continue
            }
            if case .remove = operation {} else { closeTable() }
            switch operation {
            case .createCollection(let definition):
                guard state.collections[definition.name] == nil else { continue }
                do { state.collections[definition.name] = try CollectionView(definition) } catch {
                    preconditionFailure("a validated collection could not be created: \(error)")
                }
            case .dropCollection(let name):
                state.collections[name] = nil
            case .upsert(let name, let key, let vector, let attributes):
                guard var view = state.collections[name] else { continue }
                let id: UInt32
                if case .row(let memtable, let prepared) = preparation, memtable === view.memtable {
                    id = prepared
                } else {
                    // Created by this batch, or replayed: insert now.
                    let norm = view.definition.index.metric == .cosine ? length(vector) : 1
                    guard let inserted = try? view.memtable.insert(vector, row: MemRow(key: key.bytes, attributes: attributes, norm: norm))
                    else { continue }
                    id = inserted
                }
                view.publishRow(key.bytes, id: id, sequence: sequence)
                state.memtableBytes += 4 * vector.count + 8 * view.definition.index.m + 64 + key.bytes.count + (attributes?.count ?? 0)
                state.collections[name] = view
            case .delete(let name, let key):
                guard var view = state.collections[name] else { continue }
                view.publishDelete(key.bytes, sequence: sequence)
                state.collections[name] = view
            case .setAttributes(let name, let key, let attributes):
                guard var view = state.collections[name] else {
                    abandon([preparation])
                    continue
                }
                let location = view.locate(key.bytes, asOf: sequence)
                if case .reattributed(let memtable, let id, let basis) = preparation, memtable === view.memtable,
                    let location, RowIdentity(location) == basis
                {
                    view.publishRow(key.bytes, id: id, sequence: sequence)
                } else {
                    // The key changed since it was read (or this is a replay): read it again.
                    abandon([preparation])
                    guard location != nil, let stored = try? view.get(key.bytes, asOf: sequence) else { continue }
                    let norm = view.definition.index.metric == .cosine ? length(stored.vector) : 1
                    guard
                        let id = try? view.memtable.insert(
                            stored.vector, row: MemRow(key: key.bytes, attributes: attributes, norm: norm))
                    else { continue }
                    view.publishRow(key.bytes, id: id, sequence: sequence)
                }
                state.collections[name] = view
            case .createTable(let definition):
                guard state.tables[definition.name] == nil else { continue }
                state.tables[definition.name] = TableView(definition)
            case .dropTable(let name):
                state.tables[name] = nil
            case .put:
                preconditionFailure(WriteBatch.putsAreRuns)
            case .remove(let name, let key):
                guard openTable(name) else { continue }
                // A removal entry is needed only to hide an older value.
                guard (try? open!.view.entry(key.bytes))??.value != nil else { continue }
                open!.view.entries.insert(RecordEntry(value: nil, expiresAt: 0, sequence: sequence), forKey: key.bytes)
                open!.view.memtableBytes += key.bytes.count + 64
                state.memtableBytes += key.bytes.count + 64
            }
        }
        state.sequence = sequence
    }

    /// The Euclidean length of `vector`.
    static func length(_ vector: [Float]) -> Float {
        var sum: Float = 0
        for x in vector { sum += x * x }
        return sum.squareRoot()
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

    /// Creates a record table.
    public func createTable(_ definition: TableDefinition) throws(EngineError) {
        var batch = WriteBatch()
        batch.createTable(definition)
        try write(batch)
    }

    /// Inserts or replaces the vector stored under `key`.
    public func upsert(_ key: Key, vector: [Float], attributes: [UInt8]? = nil, in collection: String) throws(EngineError) {
        var batch = WriteBatch()
        batch.upsert(key, vector: vector, attributes: attributes, in: collection)
        try write(batch)
    }

    /// Inserts or replaces the vector stored under the UTF-8 bytes of `key`.
    public func upsert(_ key: String, vector: [Float], attributes: [UInt8]? = nil, in collection: String) throws(EngineError) {
        try upsert(Key(key), vector: vector, attributes: attributes, in: collection)
    }

    /// Deletes `key` (nothing happens when it is absent).
    public func delete(_ key: Key, in collection: String) throws(EngineError) {
        var batch = WriteBatch()
        batch.delete(key, in: collection)
        try write(batch)
    }

    /// Deletes the UTF-8 bytes of `key` (nothing happens when it is absent).
    public func delete(_ key: String, in collection: String) throws(EngineError) { try delete(Key(key), in: collection) }
}

extension CollectionView {
    /// Publishes memtable row `id` as `key`'s, deleting the copy it replaces.
    mutating func publishRow(_ key: [UInt8], id: UInt32, sequence: UInt64) {
        let old = entries[key]
        entries.insert(VectorEntry(id: id, sequence: sequence), forKey: key)
        memtable.markPublished(id, sequence: sequence)
        publishedRows += 1
        liveRows += 1
        if let old {
            if let oldID = old.id {
                try? memtable.index.remove(oldID)
                liveRows -= 1
            }
        } else {
            deleteFrozenCopy(of: key, sequence: sequence)
        }
    }

    /// Publishes a delete of `key`.
    mutating func publishDelete(_ key: [UInt8], sequence: UInt64) {
        if let old = entries[key] {
            guard let oldID = old.id else { return }
            try? memtable.index.remove(oldID)
            liveRows -= 1
            entries.insert(VectorEntry(id: nil, sequence: sequence), forKey: key)
        } else if deleteFrozenCopy(of: key, sequence: sequence) {
            entries.insert(VectorEntry(id: nil, sequence: sequence), forKey: key)
        }
    }

    /// Marks the live copy of `key` in the newest immutable part that has one deleted, and records
    /// a tombstone for it; returns whether there was one.
    @discardableResult
    private func deleteFrozenCopy(of key: [UInt8], sequence: UInt64) -> Bool {
        for part in frozen {
            switch part.lookup(key) {
            case .absent: continue
            case .deleted: return false
            case .row(let id):
                guard part.isLive(id) else { return false }
                part.overlay.insert(id, sequence: sequence)
                memtable.addTombstone(Tombstone(part: part.number, id: id))
                return true
            }
        }
        return false
    }
}
