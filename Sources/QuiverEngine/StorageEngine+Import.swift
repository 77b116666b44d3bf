internal import HashTreeCollections
public import QuiverIndex
internal import QuiverStorage

extension StorageEngine {
    /// Stores an index built in memory as a new segment of the empty collection `collection`:
    /// a bulk load that skips the log (the segment and its manifest entry are synced before this
    /// returns).
    ///
    /// - Parameters:
    ///   - index: built with the collection's exact configuration; it must take no writes while
    ///     this runs.
    ///   - keys: the key of each id, `keys[id]` for every id below the index's slot count; ids
    ///     that are not live are ignored.
    ///   - attributes: optional attributes by id, like `keys`.
    ///
    /// A cosine index keeps only unit vectors, so its vectors read back with length 1.
    /// - Throws: ``EngineError`` `invalidArgument` when the configuration differs, a key is
    ///   missing, too long or repeated; `alreadyExists` when the collection is not empty.
    public func importIndex(
        _ index: HNSWIndex, keys: [Key], attributes: [[UInt8]?]? = nil, into collection: String
    ) throws(EngineError) {
        try maintenance.withLock { () throws(EngineError) in
            if let failure = failure.withLock({ $0 }) { throw failure }
            let view = try state.withLock { $0 }.collection(collection)
            guard index.configuration == view.definition.index else {
                throw EngineError(.invalidArgument, "the index's configuration differs from collection \(collection)'s")
            }
            guard view.memtable.isEmpty, view.frozen.isEmpty else {
                throw EngineError(.alreadyExists, "collection \(collection) is not empty; import into an empty one")
            }
            let slots = index.slotCount
            guard keys.count >= slots, (attributes?.count ?? slots) >= slots else {
                throw EngineError(.invalidArgument, "\(keys.count) keys for an index of \(slots) ids")
            }
            var keyed: [(key: [UInt8], id: UInt32)] = []
            for id in 0..<UInt32(slots) where index.contains(id) {
                try Self.validate(key: keys[Int(id)])
                keyed.append((keys[Int(id)].bytes, id))
            }
            keyed.sort { compareKeys($0.key, $1.key) < 0 }
            for i in keyed.indices.dropFirst() where keyed[i].key == keyed[i - 1].key {
                throw EngineError(.invalidArgument, "key \(Key(keyed[i].key)) names two vectors")
            }
            // A cosine index holds unit vectors only: they read back with length 1.
            let rows = SegmentRows(keyed: keyed, attributes: { id in attributes?[Int(id)] ?? nil }, norm: { _ in 1 })
            let number = nextFileNumber()
            let opened: FrozenPart
            do {
                _ = try CollectionSegment.write(
                    index: index, rows: rows, tombstones: [], number: number, level: 0, collection: collection,
                    metric: view.definition.index.metric, fileIO: fileIO, layout: layout, codec: options.codec)
                let file = try SegmentFile.open(fileIO: fileIO, path: layout.segmentFile(number))
                opened = try CollectionSegment.open(file, definition: view.definition, number: number)
            } catch {
                try? fileIO.remove(layout.segmentFile(number))
                throw Self.wrap(error)
            }
            try install(checkpoint: nil) { state in
                guard var current = state.collections[collection] else { return }
                current.frozen.insert(opened, at: 0)
                state.collections[collection] = current
            }
        }
    }

    /// Bytes of memory the writable parts of `collection` (or table) hold: the memtable's index and
    /// rows, or the table memtable's keys and values; frozen parts and mapped segments not included.
    public func memoryBytes(in name: String) throws(EngineError) -> Int {
        let current = state.withLock { $0 }
        if let table = current.tables[name] { return table.memtableBytes }
        return try current.collection(name).memtable.approximateBytes
    }

    /// Bytes of the segment files that hold `collection` (or table).
    public func segmentBytes(in name: String) throws(EngineError) -> Int {
        let current = state.withLock { $0 }
        if let table = current.tables[name] { return table.frozen.reduce(0) { $0 + ($1.segment?.byteCount ?? 0) } }
        return try current.collection(name).frozen.reduce(0) { $0 + ($1.segment?.byteCount ?? 0) }
    }
}
