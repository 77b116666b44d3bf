internal import HashTreeCollections
internal import QuiverIndex
internal import QuiverStorage
internal import Synchronization
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

extension StorageEngine {
    /// Writes every collection's memtable to a new segment and checkpoints the log, so that the
    /// next open replays nothing written before.
    ///
    /// Steps: freeze the memtables and rotate the log (writers pause for this only); write and
    /// sync each segment under a temporary name and rename it; record the segments and the
    /// checkpoint in the manifest (synced); swap the segments in; delete the covered log files.
    /// A crash at any step leaves the old state or the new one.
    ///
    /// - Throws: ``EngineError``; a failed write or sync makes the engine refuse writes until it
    ///   is reopened (the log still holds everything).
    public func flush() throws(EngineError) {
        try maintenance.withLock { () throws(EngineError) in try flushHoldingMaintenance() }
    }

    func flushHoldingMaintenance() throws(EngineError) {
        if let failure = failure.withLock({ $0 }) { throw failure }
        // 1. Freeze: no write is in flight while the gate is held exclusively.
        let (collectionParts, tableParts, checkpoint) = try gate.withWriteLock {
            () throws(EngineError) -> ([(String, FrozenPart)], [(String, RecordPart)], UInt64) in
            var collectionParts: [(String, FrozenPart)] = []
            var tableParts: [(String, RecordPart)] = []
            try state.withLock { (state) throws(EngineError) in
                state.memtableBytes = 0
                for (name, view) in state.collections where !view.memtable.isEmpty {
                    var next = view
                    let part = FrozenPart(freezing: view.memtable, entries: view.entries, number: nextFileNumber())
                    next.frozen.insert(part, at: 0)
                    next.memtable = try MemTable(view.definition)
                    next.entries = SortedMap()
                    next.publishedRows = 0
                    next.liveRows = 0
                    state.collections[name] = next
                    collectionParts.append((name, part))
                }
                for (name, view) in state.tables where !view.entries.isEmpty {
                    var next = view
                    let part = RecordPart(number: nextFileNumber(), source: .memory(view.entries), segment: nil)
                    next.frozen.insert(part, at: 0)
                    next.entries = SortedMap()
                    next.memtableBytes = 0
                    state.tables[name] = next
                    tableParts.append((name, part))
                }
            }
            let checkpoint = wal.lastSequence
            do { _ = try wal.rotate() } catch { throw failing(Self.wrap(error)) }
            return (collectionParts, tableParts, checkpoint)
        }
        KillPoint.hit("engine.flush.afterFreeze")
        // 2. Write the segments; readers keep reading the frozen memtables meanwhile.
        var writtenCollections: [(name: String, old: FrozenPart, new: FrozenPart, renumbered: [UInt32])] = []
        var writtenTables: [(name: String, old: RecordPart, new: RecordPart)] = []
        var numbers: [UInt64] = []
        do {
            for (name, part) in collectionParts {
                numbers.append(part.number)
                let definition = try state.withLock { $0 }.collection(name).definition
                let (opened, renumbered) = try writeSegment(of: part, definition: definition, tombstones: part.tombstones)
                writtenCollections.append((name, part, opened, renumbered))
            }
            let now = options.wallClock()
            for (name, part) in tableParts {
                numbers.append(part.number)
                guard case .memory(let entries) = part.source else { continue }
                var rows: [(key: [UInt8], entry: RecordEntry)] = []
                rows.reserveCapacity(entries.count)
                entries.forEach { key, entry in
                    // An expired value still hides older ones: it is written as a removal.
                    rows.append((key, entry.isLive(at: now) ? entry : RecordEntry(value: nil, expiresAt: 0, sequence: entry.sequence)))
                    return true
                }
                try RecordSegment.write(
                    rows, table: name, number: part.number, level: 0, fileIO: fileIO, layout: layout, codec: options.codec)
                let file = try SegmentFile.open(fileIO: fileIO, path: layout.segmentFile(part.number))
                let definition = try state.withLock { $0 }.table(name).definition
                writtenTables.append((name, part, try RecordSegment.open(file, definition: definition, number: part.number)))
            }
        } catch {
            for number in numbers { try? fileIO.remove(layout.segmentFile(number)) }
            throw failing(Self.wrap(error))
        }
        KillPoint.hit("engine.flush.afterSegments")
        // 3. Publish: the manifest edit, then the switch.
        try install(checkpoint: checkpoint) { state in
            for written in writtenCollections {
                guard var view = state.collections[written.name],
                    let i = view.frozen.firstIndex(where: { $0 === written.old })
                else { continue }
                Self.carryOver(from: written.old, to: written.new, renumbered: written.renumbered, memtable: view.memtable)
                view.frozen[i] = written.new
                state.collections[written.name] = view
            }
            for written in writtenTables {
                guard var view = state.tables[written.name], let i = view.frozen.firstIndex(where: { $0 === written.old })
                else { continue }
                view.frozen[i] = written.new
                state.tables[written.name] = view
            }
        }
        KillPoint.hit("engine.flush.afterManifest")
        // 4. The log up to the checkpoint is in segments now.
        do { _ = try wal.deleteObsolete(upTo: checkpoint) } catch { throw failing(Self.wrap(error)) }
        KillPoint.hit("engine.flush.afterWALDelete")
    }

    /// Writes `part` (a frozen memtable, or a compaction's merged part) as its segment, maps it
    /// back, and returns it with the row each old id got.
    func writeSegment(
        of part: FrozenPart, definition: CollectionDefinition, tombstones: [Tombstone]
    ) throws -> (FrozenPart, [UInt32]) {
        var keyed: [(key: [UInt8], id: UInt32)] = []
        if case .memory(let entries, _) = part.rows {
            keyed.reserveCapacity(entries.count)
            entries.forEach { key, entry in
                if let id = entry.id { keyed.append((key, id)) }
                return true
            }
        }
        let rows = SegmentRows(
            keyed: keyed, attributes: { (id) throws(EngineError) in try part.attributes(of: id) }, norm: { part.norm(of: $0) })
        let renumbered = try CollectionSegment.write(
            index: part.index, rows: rows, tombstones: tombstones, number: part.number, level: part.level,
            collection: definition.name, metric: definition.index.metric, fileIO: fileIO, layout: layout, codec: options.codec)
        let file = try SegmentFile.open(fileIO: fileIO, path: layout.segmentFile(part.number))
        return (try CollectionSegment.open(file, definition: definition, number: part.number), renumbered)
    }

    /// Moves the deletes that landed on `old` since it froze to `new`, the segment it became
    /// (with renumbered rows), and renumbers the memtable's tombstones that name it.
    static func carryOver(from old: FrozenPart, to new: FrozenPart, renumbered: [UInt32], memtable: MemTable) {
        old.overlay.forEachMarked { id, sequence in
            guard Int(id) < renumbered.count else { return }
            new.overlay.insert(renumbered[Int(id)], sequence: sequence)
        }
        memtable.tombstones.withLock { tombstones in
            for i in tombstones.indices where tombstones[i].part == old.number && Int(tombstones[i].id) < renumbered.count {
                tombstones[i].id = renumbered[Int(tombstones[i].id)]
            }
        }
    }

    /// Under the exclusive gate: runs `swap` on the state, then records in the manifest exactly the
    /// segments the collections and tables now hold (and the catalog), and deletes segment files
    /// the manifest dropped.
    ///
    /// - Parameter checkpoint: the new log checkpoint, or `nil` to keep the current one.
    func install(checkpoint: UInt64?, swap: (inout DatabaseState) -> Void) throws(EngineError) {
        let removed = try gate.withWriteLock { () throws(EngineError) -> [UInt64] in
            let current = state.withLock { state in
                swap(&state)
                return state
            }
            let manifestState = manifest.state
            var held: [UInt64: (owner: String, level: Int, bytes: Int, records: Int)] = [:]
            var catalog: [String: [UInt8]] = [:]
            for (name, view) in current.collections {
                catalog[name] = CatalogEntry.collection(view.definition).encoded
                for part in view.frozen where part.segment != nil {
                    held[part.number] = (name, part.level, part.segment?.byteCount ?? 0, part.index.slotCount)
                }
            }
            for (name, view) in current.tables {
                catalog[name] = CatalogEntry.table(view.definition).encoded
                for part in view.frozen where part.segment != nil {
                    held[part.number] = (name, part.level, part.segment?.byteCount ?? 0, part.count)
                }
            }
            var edit = ManifestEdit()
            let listed = Set(manifestState.segments.map(\.number))
            for (number, entry) in held.sorted(by: { $0.key < $1.key }) where !listed.contains(number) {
                edit.addedSegments.append(SegmentDescriptor(
                    number: number, owner: entry.owner, level: entry.level, byteCount: entry.bytes,
                    recordCount: entry.records, minSequence: 0, maxSequence: checkpoint ?? manifestState.checkpointSequence))
            }
            edit.removedSegments = manifestState.segments.map(\.number).filter { held[$0] == nil }
            edit.catalogSet = catalog.filter { manifestState.catalog[$0.key] != $0.value }
            edit.catalogRemoved = manifestState.catalog.keys.filter { catalog[$0] == nil }
            if let checkpoint { edit.checkpointSequence = checkpoint }
            edit.nextFileNumber = manifest.newFileNumber()
            do { try manifest.apply(edit) } catch {
                removeUnreferenced(edit.addedSegments.map(\.number))
                throw failing(Self.wrap(error))
            }
            return edit.removedSegments
        }
        KillPoint.hit("engine.install.afterManifest")
        // Mapped readers keep their pages after the unlink; the space returns when they finish.
        for number in removed { try? fileIO.remove(layout.segmentFile(number)) }
    }

    /// After a failed manifest edit: removes the new segment files the manifest on disk does not
    /// name. Files it might name (the edit reached the file before the failure) are kept, since
    /// deleting them could leave a durable manifest pointing at nothing; the next open removes any
    /// that turn out unreferenced.
    func removeUnreferenced(_ numbers: [UInt64]) {
        guard let contents = try? Manifest.read(fileIO: fileIO, layout: layout) else { return }
        for number in numbers where contents.state.segmentsByNumber[number] == nil {
            try? fileIO.remove(layout.segmentFile(number))
        }
    }

    /// Marks the engine failed with `error` and returns it.
    func failing(_ error: EngineError) -> EngineError {
        fail(error)
        return error
    }

    // MARK: Background maintenance

    /// Starts a background flush when the memtables passed the threshold, or a compaction when a
    /// collection has too many segments; at most one runs at a time.
    ///
    /// - Parameter checkingCompaction: whether to look for compactions too; writes do not (they
    ///   add no segment), the open and each flush do.
    func scheduleMaintenanceIfNeeded(checkingCompaction: Bool = false) {
        guard options.backgroundMaintenance, needsFlush || (checkingCompaction && needsCompaction != nil) else { return }
        guard maintenanceScheduled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        let engine = self
        Thread.detach {
            defer { engine.maintenanceScheduled.store(false, ordering: .releasing) }
            do {
                if engine.needsFlush { try engine.flush() }
                while let name = engine.needsCompaction { try engine.compactTier(name) }
            } catch {
                // The failure is recorded in the engine and reported to the next writer.
            }
        }
    }

    var needsFlush: Bool { state.withLock { $0.memtableBytes } >= options.flushThresholdBytes }

    /// A collection with a tier of ``EngineOptions/compactionTrigger`` similar-sized segments, or
    /// a table with that many segments.
    var needsCompaction: String? {
        let current = state.withLock { $0 }
        let trigger = options.compactionTrigger
        return current.collections.first { _, view in
            let segments = view.frozen.compactMap { part in part.segment.map { (part.number, $0.byteCount) } }
            return CompactionPlan.tier(of: segments, trigger: trigger) != nil
        }?.key ?? current.tables.first { $0.value.frozen.count { $0.segment != nil } >= trigger }?.key
    }
}

/// Runs a closure on a new detached POSIX thread.
enum Thread {
    static func detach(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {  // handed to exactly one thread
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if status == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
        }
    }
}
