internal import QuiverIndex
internal import QuiverStorage

extension StorageEngine {
    /// Merges every segment of `collection` into one, dropping deleted rows.
    ///
    /// The largest segment's graph is reused: it is copied out of its mapping, its deleted rows
    /// are unlinked and repaired, and the other segments' live rows are inserted into it (with
    /// ``EngineOptions/compactionThreads`` threads: the throttle). Writers and readers go on
    /// meanwhile; deletes that land during the merge are carried over to the new segment when it
    /// is switched in. Old files are removed only after the manifest names the new one.
    ///
    /// - Throws: ``EngineError``; the collection keeps its old segments when compaction fails.
    public func compact(_ collection: String) throws(EngineError) {
        try maintenance.withLock { () throws(EngineError) in try compactHoldingMaintenance(collection) }
    }

    private func compactHoldingMaintenance(_ name: String) throws(EngineError) {
        if let failure = failure.withLock({ $0 }) { throw failure }
        let state = try collection(name)
        let inputs = state.snapshot.frozen.filter { $0.segment != nil }
        guard inputs.count >= 2 else { return }
        KillPoint.hit("engine.compaction.begin")
        // Compaction reads every byte of its inputs: check them first, never copy unverified data.
        for part in inputs {
            do { try part.segment?.verifyAll() } catch {
                throw EngineError(.corruption, "compaction of \(name) stopped: segment \(part.number) is damaged: \(error)")
            }
        }
        let merged: HNSWIndex
        var keyOf: [UInt32: String] = [:]
        var attributes: [UInt32: [UInt8]] = [:]
        /// Where each input row went: (input number, input id) → merged id.
        var destination: [Tombstone: UInt32] = [:]
        do {
            let base = inputs.max { $0.liveCount < $1.liveCount }!
            merged = try base.index.thawed()
            for id in 0..<UInt32(base.index.slotCount) {
                if base.isLive(id), let key = base.keys.key(of: id) {
                    keyOf[id] = key
                    if let a = try base.attributes.attributes(of: id) { attributes[id] = a }
                    destination[Tombstone(part: base.number, id: id)] = id
                } else if merged.contains(id) {
                    try merged.remove(id)
                }
            }
            merged.purgeDeleted(threads: options.compactionThreads)
            for part in inputs where part !== base {
                var rows: [(id: UInt32, key: String)] = []
                var matrix: [Float] = []
                for id in 0..<UInt32(part.index.slotCount) where part.isLive(id) {
                    guard let key = part.keys.key(of: id) else { continue }
                    rows.append((id, key))
                    matrix += try part.index.vector(id)
                }
                guard !rows.isEmpty else { continue }
                let ids = try matrix.withUnsafeBufferPointer { try merged.add(contentsOf: $0, threads: options.compactionThreads) }
                for (row, newID) in zip(rows, ids) {
                    keyOf[newID] = row.key
                    if let a = try part.attributes.attributes(of: row.id) { attributes[newID] = a }
                    destination[Tombstone(part: part.number, id: row.id)] = newID
                }
            }
        } catch {
            throw Self.wrap(error)
        }
        var byKey: [String: UInt32] = [:]
        for (id, key) in keyOf { byKey[key] = id }
        let number = nextFileNumber()
        let output = FrozenPart(
            number: number, index: merged, keys: .memory(byKey: byKey, byID: keyOf), attributes: .memory(attributes),
            overlay: DeletionOverlay(capacity: merged.slotCount), tombstones: [], segment: nil,
            level: (inputs.map(\.level).max() ?? 0) + 1)
        let opened: FrozenPart
        do {
            _ = try CollectionSegment.write(output, collection: name, fileIO: fileIO, layout: layout, codec: options.codec)
            let file = try SegmentFile.open(fileIO: fileIO, path: layout.segmentFile(number))
            opened = try CollectionSegment.open(file, definition: state.definition, number: number, level: output.level)
        } catch {
            try? fileIO.remove(layout.segmentFile(number))
            // A failed write or sync leaves the state of the disk unknown (reliability spec
            // 8.0.6): refuse writes until a reopen re-reads it.
            throw failing(Self.wrap(error))
        }
        KillPoint.hit("engine.compaction.afterSegment")
        try install(checkpoint: nil) {
            // Deletes that landed during the merge: carry them to the new segment, durably through
            // a tombstone in the memtable (until the next flush the log holds them too).
            let current = state.snapshot
            for part in inputs {
                for id in 0..<UInt32(part.index.slotCount) where part.overlay.contains(id) {
                    guard let moved = destination[Tombstone(part: part.number, id: id)] else { continue }
                    opened.overlay.insert(moved)
                    current.memtable.addTombstone(Tombstone(part: number, id: moved))
                }
            }
            state.parts.withLock { parts in
                parts.frozen.removeAll { part in inputs.contains { $0 === part } }
                parts.frozen.append(opened)
                parts.frozen.sort { $0.number > $1.number }
            }
        }
        KillPoint.hit("engine.compaction.afterInstall")
    }
}
