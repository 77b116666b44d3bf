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
    /// - Throws: ``EngineError`` `invalidArgument` when the configuration differs, a key is
    ///   missing, empty or repeated; `alreadyExists` when the collection is not empty.
    public func importIndex(
        _ index: HNSWIndex, keys: [String], attributes: [[UInt8]?]? = nil, into collection: String
    ) throws(EngineError) {
        try maintenance.withLock { () throws(EngineError) in
            if let failure = failure.withLock({ $0 }) { throw failure }
            let state = try self.collection(collection)
            guard index.configuration == state.definition.index else {
                throw EngineError(.invalidArgument, "the index's configuration differs from collection \(collection)'s")
            }
            let current = state.snapshot
            guard current.memtable.isEmpty, current.frozen.isEmpty else {
                throw EngineError(.alreadyExists, "collection \(collection) is not empty; import into an empty one")
            }
            let slots = index.slotCount
            guard keys.count >= slots, (attributes?.count ?? slots) >= slots else {
                throw EngineError(.invalidArgument, "\(keys.count) keys for an index of \(slots) ids")
            }
            var byKey: [String: UInt32] = [:]
            var byID: [UInt32: String] = [:]
            var attributeByID: [UInt32: [UInt8]] = [:]
            for id in 0..<UInt32(slots) where index.contains(id) {
                let key = keys[Int(id)]
                try Self.validate(key: key)
                guard byKey.updateValue(id, forKey: key) == nil else {
                    throw EngineError(.invalidArgument, "key \(key) names two vectors")
                }
                byID[id] = key
                if let a = attributes?[Int(id)] { attributeByID[id] = a }
            }
            let number = nextFileNumber()
            let part = FrozenPart(
                number: number, index: index, keys: .memory(byKey: byKey, byID: byID),
                attributes: .memory(attributeByID), overlay: DeletionOverlay(capacity: slots), tombstones: [], segment: nil)
            let opened: FrozenPart
            do {
                _ = try CollectionSegment.write(part, collection: collection, fileIO: fileIO, layout: layout, codec: options.codec)
                let file = try SegmentFile.open(fileIO: fileIO, path: layout.segmentFile(number))
                opened = try CollectionSegment.open(file, definition: state.definition, number: number)
            } catch {
                try? fileIO.remove(layout.segmentFile(number))
                throw Self.wrap(error)
            }
            try install(checkpoint: nil) {
                state.parts.withLock { $0.frozen.insert(opened, at: 0) }
            }
        }
    }

    /// Bytes of the segment files that hold `collection`.
    public func segmentBytes(in collection: String) throws(EngineError) -> Int {
        try self.collection(collection).snapshot.frozen.reduce(0) { $0 + ($1.segment?.byteCount ?? 0) }
    }
}
