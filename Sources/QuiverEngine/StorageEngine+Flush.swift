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
        let (frozen, checkpoint) = try gate.withWriteLock { () throws(EngineError) -> ([(CollectionState, FrozenPart)], UInt64) in
            var frozen: [(CollectionState, FrozenPart)] = []
            for state in collections.withLock({ Array($0.values) }) where !state.snapshot.memtable.isEmpty {
                let fresh = try MemTable(state.definition)
                let number = nextFileNumber()
                let part = state.parts.withLock { parts in
                    let part = FrozenPart(freezing: parts.memtable, number: number)
                    parts.frozen.insert(part, at: 0)
                    parts.memtable = fresh
                    return part
                }
                frozen.append((state, part))
            }
            let checkpoint = wal.lastSequence
            do { _ = try wal.rotate() } catch { throw failing(Self.wrap(error)) }
            return (frozen, checkpoint)
        }
        KillPoint.hit("engine.flush.afterFreeze")
        // 2. Write the segments; readers keep searching the frozen memtables meanwhile.
        var written: [(CollectionState, old: FrozenPart, new: FrozenPart)] = []
        for (state, part) in frozen {
            do {
                let info = try CollectionSegment.write(
                    part, collection: state.definition.name, fileIO: fileIO, layout: layout, codec: options.codec)
                _ = info
                let file = try SegmentFile.open(fileIO: fileIO, path: layout.segmentFile(part.number))
                let opened = try CollectionSegment.open(file, definition: state.definition, number: part.number, overlay: part.overlay)
                written.append((state, part, opened))
            } catch {
                for (_, old, _) in written { try? fileIO.remove(layout.segmentFile(old.number)) }
                try? fileIO.remove(layout.segmentFile(part.number))
                throw failing(Self.wrap(error))
            }
        }
        KillPoint.hit("engine.flush.afterSegments")
        // 3. Publish: the manifest edit, then the switch.
        try install(checkpoint: checkpoint) {
            for (state, old, new) in written {
                state.parts.withLock { parts in
                    if let i = parts.frozen.firstIndex(where: { $0 === old }) { parts.frozen[i] = new }
                }
            }
        }
        KillPoint.hit("engine.flush.afterManifest")
        // 4. The log up to the checkpoint is in segments now.
        do { _ = try wal.deleteObsolete(upTo: checkpoint) } catch { throw failing(Self.wrap(error)) }
        KillPoint.hit("engine.flush.afterWALDelete")
    }

    /// Under the exclusive gate: runs `swap`, then records in the manifest exactly the segments the
    /// collections now hold (and the catalog), and deletes segment files the manifest dropped.
    ///
    /// - Parameter checkpoint: the new log checkpoint, or `nil` to keep the current one.
    func install(checkpoint: UInt64?, swap: () -> Void) throws(EngineError) {
        let removed = try gate.withWriteLock { () throws(EngineError) -> [UInt64] in
            swap()
            let state = manifest.state
            var held: [UInt64: (owner: String, part: FrozenPart)] = [:]
            var catalog: [String: [UInt8]] = [:]
            let all = collections.withLock { $0 }
            for (name, collection) in all {
                catalog[name] = collection.definition.encoded
                for part in collection.snapshot.frozen where part.segment != nil { held[part.number] = (name, part) }
            }
            var edit = ManifestEdit()
            let listed = Set(state.segments.map(\.number))
            for (number, entry) in held.sorted(by: { $0.key < $1.key }) where !listed.contains(number) {
                edit.addedSegments.append(SegmentDescriptor(
                    number: number, owner: entry.owner, level: entry.part.level, byteCount: entry.part.segment?.byteCount ?? 0,
                    recordCount: entry.part.index.slotCount, minSequence: 0, maxSequence: checkpoint ?? state.checkpointSequence))
            }
            edit.removedSegments = state.segments.map(\.number).filter { held[$0] == nil }
            edit.catalogSet = catalog.filter { state.catalog[$0.key] != $0.value }
            edit.catalogRemoved = state.catalog.keys.filter { catalog[$0] == nil }
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

    static func wrap(_ error: any Error) -> EngineError {
        switch error {
        case let error as EngineError: error
        case let error as StorageError: EngineError(error)
        case let error as IndexError: EngineError(error)
        default: EngineError(.io, "\(error)")
        }
    }

    // MARK: Background maintenance

    /// Starts a background flush when the memtables passed the threshold, or a compaction when a
    /// collection has too many segments; at most one runs at a time.
    func scheduleMaintenanceIfNeeded() {
        guard options.backgroundMaintenance, needsFlush || needsCompaction != nil else { return }
        guard maintenanceScheduled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        let engine = self
        Thread.detach {
            defer { engine.maintenanceScheduled.store(false, ordering: .releasing) }
            do {
                if engine.needsFlush { try engine.flush() }
                while let name = engine.needsCompaction { try engine.compact(name) }
            } catch {
                // The failure is recorded in the engine and reported to the next writer.
            }
        }
    }

    var needsFlush: Bool {
        let bytes = collections.withLock { $0.values.reduce(0) { $0 + $1.snapshot.memtable.approximateBytes } }
        return bytes >= options.flushThresholdBytes
    }

    /// A collection with at least ``EngineOptions/compactionTrigger`` segments.
    var needsCompaction: String? {
        collections.withLock { all in
            all.first { $0.value.snapshot.frozen.count { $0.segment != nil } >= options.compactionTrigger }?.key
        }
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
