internal import HashTreeCollections
internal import QuiverIndex
internal import QuiverStorage

extension StorageEngine {
    /// Merges every segment of the collection or table `name` into one, dropping deleted rows
    /// (and a table's removals and expired records).
    ///
    /// For a collection the largest segment's graph is reused: it is copied out of its mapping, its
    /// deleted rows are unlinked and repaired, and the other segments' live rows are inserted into
    /// it (with ``EngineOptions/compactionThreads`` threads: the throttle). Writers and readers go
    /// on meanwhile; deletes that land during the merge are carried over to the new segment when
    /// it is switched in. Old files are removed only after the manifest names the new one.
    ///
    /// - Throws: ``EngineError``; the collection or table keeps its old segments when compaction fails.
    public func compact(_ name: String) throws(EngineError) {
        try maintenance.withLock { () throws(EngineError) in
            if state.withLock({ $0.tables[name] != nil }) {
                try compactTableHoldingMaintenance(name)
            } else {
                try compactCollectionHoldingMaintenance(name, only: nil)
            }
        }
    }

    /// Merges just the segments `numbers` of collection `name` (what a tier of
    /// ``CompactionPlan`` is); for tests of partial merges.
    package func compact(_ name: String, segments numbers: Set<UInt64>) throws(EngineError) {
        try maintenance.withLock { () throws(EngineError) in try compactCollectionHoldingMaintenance(name, only: numbers) }
    }

    /// The segment numbers of collection `name`, newest first.
    package func segmentNumbers(in name: String) throws(EngineError) -> [UInt64] {
        try state.withLock { $0 }.collection(name).frozen.compactMap { $0.segment == nil ? nil : $0.number }
    }

    /// The background compaction of `name`: a table merges all its segments; a collection merges
    /// one tier of similar-sized segments (``CompactionPlan``), so large segments are rewritten
    /// only when enough of their size accumulate.
    func compactTier(_ name: String) throws(EngineError) {
        try maintenance.withLock { () throws(EngineError) in
            let current = state.withLock { $0 }
            if current.tables[name] != nil {
                try compactTableHoldingMaintenance(name)
            } else if let view = current.collections[name] {
                let segments = view.frozen.compactMap { part in part.segment.map { (part.number, $0.byteCount) } }
                guard let tier = CompactionPlan.tier(of: segments, trigger: options.compactionTrigger) else { return }
                try compactCollectionHoldingMaintenance(name, only: Set(tier))
            }
        }
    }

    private func compactCollectionHoldingMaintenance(_ name: String, only chosen: Set<UInt64>?) throws(EngineError) {
        if let failure = failure.withLock({ $0 }) { throw failure }
        let view = try state.withLock { $0 }.collection(name)
        let inputs = view.frozen.filter { $0.segment != nil && (chosen?.contains($0.number) ?? true) }
        guard inputs.count >= 2 else { return }
        let inputNumbers = Set(inputs.map(\.number))
        // Deletes the inputs recorded against segments that stay must stay recorded.
        let carried = inputs.flatMap(\.tombstones).filter { !inputNumbers.contains($0.part) }
        KillPoint.hit("engine.compaction.begin")
        try verify(inputs.compactMap(\.segment), of: name)
        let merged: HNSWIndex
        var keyOf: [UInt32: [UInt8]] = [:]
        var attributes: [UInt32: [UInt8]] = [:]
        var norms: [UInt32: Float] = [:]
        /// Where each input row went: (input number, input id) → merged id.
        var destination: [Tombstone: UInt32] = [:]
        do {
            let base = inputs.max { $0.liveCount < $1.liveCount }!
            merged = try base.index.thawed()
            for id in 0..<UInt32(base.index.slotCount) {
                if base.isLive(id), let key = base.key(of: id) {
                    keyOf[id] = key
                    if let a = try base.attributes(of: id) { attributes[id] = a }
                    norms[id] = base.norm(of: id)
                    destination[Tombstone(part: base.number, id: id)] = id
                } else if merged.contains(id) {
                    try merged.remove(id)
                }
            }
            merged.purgeDeleted(threads: options.compactionThreads)
            for part in inputs where part !== base {
                var rows: [(id: UInt32, key: [UInt8])] = []
                var matrix: [Float] = []
                for id in 0..<UInt32(part.index.slotCount) where part.isLive(id) {
                    guard let key = part.key(of: id) else { continue }
                    rows.append((id, key))
                    matrix += try part.index.vector(id)
                }
                guard !rows.isEmpty else { continue }
                let ids = try matrix.withUnsafeBufferPointer { try merged.add(contentsOf: $0, threads: options.compactionThreads) }
                for (row, newID) in zip(rows, ids) {
                    keyOf[newID] = row.key
                    if let a = try part.attributes(of: row.id) { attributes[newID] = a }
                    norms[newID] = part.norm(of: row.id)
                    destination[Tombstone(part: part.number, id: row.id)] = newID
                }
            }
        } catch {
            throw Self.wrap(error)
        }
        let number = nextFileNumber()
        let keyed = keyOf.map { (key: $0.value, id: $0.key) }.sorted { compareKeys($0.key, $1.key) < 0 }
        let rows = SegmentRows(keyed: keyed, attributes: { attributes[$0] }, norm: { norms[$0] ?? 1 })
        let level = (inputs.map(\.level).max() ?? 0) + 1
        let opened: FrozenPart
        let renumbered: [UInt32]
        do {
            renumbered = try CollectionSegment.write(
                index: merged, rows: rows, tombstones: Array(Set(carried)).sorted(), number: number, level: level, collection: name,
                metric: view.definition.index.metric, fileIO: fileIO, layout: layout, codec: options.codec)
            let file = try SegmentFile.open(fileIO: fileIO, path: layout.segmentFile(number))
            opened = try CollectionSegment.open(file, definition: view.definition, number: number)
        } catch {
            try? fileIO.remove(layout.segmentFile(number))
            // A failed write or sync leaves the state of the disk unknown (reliability spec
            // 8.0.6): refuse writes until a reopen re-reads it.
            throw failing(Self.wrap(error))
        }
        KillPoint.hit("engine.compaction.afterSegment")
        try install(checkpoint: nil) { state in
            guard var current = state.collections[name], current.definition == view.definition else { return }
            // Deletes that landed during the merge: carry them to the new segment, durably through
            // a tombstone in the memtable (until the next flush the log holds them too).
            for part in inputs {
                part.overlay.forEachMarked { id, sequence in
                    guard let moved = destination[Tombstone(part: part.number, id: id)] else { return }
                    let row = renumbered[Int(moved)]
                    opened.overlay.insert(row, sequence: sequence)
                    current.memtable.addTombstone(Tombstone(part: number, id: row))
                }
            }
            current.frozen.removeAll { part in inputs.contains { $0 === part } }
            current.frozen.append(opened)
            current.frozen.sort { $0.number > $1.number }
            state.collections[name] = current
        }
        KillPoint.hit("engine.compaction.afterInstall")
    }

    private func compactTableHoldingMaintenance(_ name: String) throws(EngineError) {
        if let failure = failure.withLock({ $0 }) { throw failure }
        let view = try state.withLock { $0 }.table(name)
        // Flushes and compactions are serialised, so every frozen part is a segment here, and
        // the merge covers everything below the memtable: removals and expired records can go.
        let inputs = view.frozen.filter { $0.segment != nil }
        guard inputs.count >= 2, inputs.count == view.frozen.count else { return }
        KillPoint.hit("engine.compaction.begin")
        try verify(inputs.compactMap(\.segment), of: name)
        let now = options.wallClock()
        var rows: [(key: [UInt8], entry: RecordEntry)] = []
        do {
            // Scanning a view of just the inputs merges them, newest entry winning.
            let inputsOnly = TableView(view.definition, frozen: inputs)
            try inputsOnly.scan(from: nil, below: nil, now: now) { record in
                rows.append((record.key.bytes, RecordEntry(value: record.value, expiresAt: record.expiresAt ?? 0, sequence: 0)))
                return true
            }
        } catch { throw Self.wrap(error) }
        let number = nextFileNumber()
        let level = (inputs.map(\.level).max() ?? 0) + 1
        let opened: RecordPart
        do {
            try RecordSegment.write(rows, table: name, number: number, level: level, fileIO: fileIO, layout: layout, codec: options.codec)
            let file = try SegmentFile.open(fileIO: fileIO, path: layout.segmentFile(number))
            opened = try RecordSegment.open(file, definition: view.definition, number: number)
        } catch {
            try? fileIO.remove(layout.segmentFile(number))
            throw failing(Self.wrap(error))
        }
        KillPoint.hit("engine.compaction.afterSegment")
        try install(checkpoint: nil) { state in
            guard var current = state.tables[name], current.definition == view.definition else { return }
            current.frozen.removeAll { part in inputs.contains { $0 === part } }
            current.frozen.append(opened)
            current.frozen.sort { $0.number > $1.number }
            state.tables[name] = current
        }
        KillPoint.hit("engine.compaction.afterInstall")
    }

    /// Compaction reads every byte of its inputs: check them first, never copy unverified data.
    private func verify(_ segments: [SegmentFile], of name: String) throws(EngineError) {
        for segment in segments {
            do { try segment.verifyAll() } catch {
                throw EngineError(.corruption, "compaction of \(name) stopped: segment \(segment.number) is damaged: \(error)")
            }
        }
    }
}
