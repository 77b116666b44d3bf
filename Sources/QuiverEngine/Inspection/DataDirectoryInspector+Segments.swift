internal import QuiverIndex
internal import QuiverStorage
internal import SystemPackage

extension DataDirectoryInspector {
    /// Checks the catalog and every segment the manifest lists, and fills in the collections.
    mutating func checkCollections(_ state: ManifestState) {
        let manifestFile = DataDirectoryLayout.name(of: .manifest(state.manifestNumber))
        var byOwner: [String: [SegmentDescriptor]] = [:]
        for segment in state.segments { byOwner[segment.owner, default: []].append(segment) }
        for segment in state.segments where segment.number >= state.nextFileNumber {
            damage(manifestFile, "segment \(segment.number) is not below the next file number \(state.nextFileNumber)")
        }
        // Tombstones name parts by number across the directory, as the engine applies them at open.
        var parts: [UInt64: FrozenPart] = [:]
        var collections: [DataDirectoryReport.CollectionSummary] = []
        for name in Set(state.catalog.keys).union(byOwner.keys).sorted() {
            var definition: CollectionDefinition?
            if let bytes = state.catalog[name] {
                do {
                    definition = try CollectionDefinition(encoded: bytes)
                } catch {
                    damage(manifestFile, "catalog entry of collection \(name) does not decode: \(error.message)")
                }
            } else {
                damage(
                    manifestFile,
                    "lists segments of collection \(name), which the catalog lacks; the engine refuses to open")
            }
            var summaries: [DataDirectoryReport.SegmentSummary] = []
            for descriptor in byOwner[name] ?? [] {
                let (summary, part) = openSegment(descriptor, definition: definition)
                summaries.append(summary)
                if let part { parts[descriptor.number] = part }
            }
            collections.append(
                DataDirectoryReport.CollectionSummary(name: name, definition: definition, segments: summaries))
        }
        for part in parts.values {
            for tombstone in part.tombstones { parts[tombstone.part]?.overlay.insert(tombstone.id) }
        }
        for c in collections.indices {
            for s in collections[c].segments.indices {
                guard let part = parts[collections[c].segments[s].number] else { continue }
                collections[c].segments[s].liveRows = part.liveCount
                collections[c].segments[s].tombstones = part.tombstones.count
            }
        }
        report.collections = collections
        if verifying {
            for part in parts.values.sorted(by: { $0.number < $1.number }) { checkTombstones(of: part, against: parts) }
        }
    }

    /// Opens and checks the segment `descriptor` names; returns its summary and, when it opened
    /// as a part of its collection, the part.
    private mutating func openSegment(
        _ descriptor: SegmentDescriptor, definition: CollectionDefinition?
    ) -> (DataDirectoryReport.SegmentSummary, FrozenPart?) {
        let name = DataDirectoryLayout.name(of: .segment(descriptor.number))
        var summary = DataDirectoryReport.SegmentSummary(
            number: descriptor.number, file: name, level: descriptor.level, bytes: descriptor.byteCount,
            rows: descriptor.recordCount)
        guard names.contains(name) else {
            report.missing.append(name)
            damage(name, "missing: the manifest lists it; the engine refuses to open")
            return (summary, nil)
        }
        guard let (file, bytesIntact) = openSegmentFile(name) else { return (summary, nil) }
        summary.fileBytes = file.byteCount
        summary.sections = file.sections.map {
            DataDirectoryReport.SectionSummary(
                kind: "\($0.kind)", offset: $0.offset, length: $0.length, isCompressed: $0.isCompressed)
        }
        if file.byteCount != descriptor.byteCount {
            damage(name, "the file has \(file.byteCount) bytes, the manifest says \(descriptor.byteCount)")
        }
        guard let definition else { return (summary, nil) }
        let part: FrozenPart
        do {
            part = try CollectionSegment.open(
                file, definition: definition, number: descriptor.number, level: descriptor.level)
        } catch {
            if let error = error as? StorageError {
                damage(error, "the engine refuses to open")
            } else {
                damage(name, "\(DataDirectoryInspector.message(error)); the engine refuses to open")
            }
            return (summary, nil)
        }
        if descriptor.recordCount != part.index.slotCount {
            report.findings.append(
                DataDirectoryFinding(
                    .warning, file: name,
                    "the manifest records \(descriptor.recordCount) rows, the segment has \(part.index.slotCount)"))
        }
        if verifying && bytesIntact { checkContents(of: part, file: file, name: name) }
        return (summary, part)
    }

    /// Maps segment `name` and checks its layout, and in verification every byte; `nil` when it
    /// does not open. The flag says whether every checksum passed (always `true` when not verifying).
    private mutating func openSegmentFile(_ name: String) -> (SegmentFile, Bool)? {
        let file: SegmentFile
        do {
            file = try SegmentFile.open(fileIO: fileIO, path: layout.root.appending(name))
        } catch {
            damage(error, "the segment does not open")
            return nil
        }
        guard verifying else { return (file, true) }
        do {
            try file.verifyAll()
            return (file, true)
        } catch {
            // Name every damaged section, then whatever else verifyAll met first (padding, a block).
            var found: [StorageError] = []
            for section in file.sections {
                do { try file.verifySection(section.kind) } catch { found.append(error) }
            }
            if !found.contains(where: { $0.offset == error.offset && $0.message == error.message }) {
                found.append(error)
            }
            for error in found { damage(error) }
            return (file, false)
        }
    }

    /// Segment files the directory holds when the manifest could not be read: each one's layout,
    /// and in verification its bytes.
    mutating func checkUnlistedSegments(_ listing: [String]) {
        for name in listing.sorted() {
            guard case .segment? = DataDirectoryLayout.parse(name) else { continue }
            _ = openSegmentFile(name)
        }
    }

    // MARK: Contents

    /// The HNSW invariants, the key tables and the attribute records of an intact segment.
    private mutating func checkContents(of part: FrozenPart, file: SegmentFile, name: String) {
        do {
            try part.index.checkInvariants()
        } catch {
            damage(name, section: "\(SegmentSectionKind.graphNodes)", error.message)
        }
        if case .mapped(let keys) = part.keys {
            for (kind, problem) in Self.keyTableProblems(keys, index: part.index) {
                damage(name, section: "\(kind)", problem)
            }
        }
        do {
            let attributes = try file.compressedSection(.attributes)
            if attributes.count != part.index.slotCount {
                damage(
                    name, section: "\(SegmentSectionKind.attributes)",
                    "\(attributes.count) attribute records for \(part.index.slotCount) rows")
            }
        } catch {
            damage(error)
        }
    }

    /// Tombstones of `part` that name a row past the end of the segment they delete from.
    private mutating func checkTombstones(of part: FrozenPart, against parts: [UInt64: FrozenPart]) {
        for tombstone in part.tombstones {
            guard let target = parts[tombstone.part], Int(tombstone.id) >= target.index.slotCount else { continue }
            damage(
                DataDirectoryLayout.name(of: .segment(part.number)), section: "\(SegmentSectionKind.tombstones)",
                "a tombstone deletes row \(tombstone.id) of segment \(tombstone.part), which has \(target.index.slotCount) rows"
            )
            return
        }
    }

    /// The first problem of each kind in a segment's key sections: offsets that start at 0, never
    /// decrease and end at the keys' length; a non-empty UTF-8 key exactly for each live row; a
    /// key order listing every keyed row once in strictly ascending key bytes; every key mapping
    /// back to its row.
    ///
    /// - Complexity: O(n log n) for n rows.
    static func keyTableProblems(_ keys: MappedKeys, index: HNSWIndex) -> [(SegmentSectionKind, String)] {
        var problems: [(SegmentSectionKind, String)] = []
        let width = keys.offsetWidth
        guard width != 0 else {
            return [(.keyIndex, "\(keys.offsets.count) bytes of key offsets for \(keys.slotCount) rows")]
        }
        func offset(_ i: Int) -> UInt64 {
            width == 4
                ? UInt64(UInt32(littleEndian: keys.offsets.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                : UInt64(littleEndian: keys.offsets.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
        }
        let slots = keys.slotCount
        let byteCount = UInt64(keys.bytes.count)
        if offset(0) != 0 { problems.append((.keyIndex, "the first key offset is \(offset(0)), not 0")) }
        var ranges = [Range<Int>?](repeating: nil, count: slots)
        var keyed = 0
        var liveMismatch: String?
        var invalidUTF8: UInt32?
        for id in 0..<slots {
            let start = offset(id)
            let end = offset(id + 1)
            guard start <= end, end <= byteCount else {
                problems.append(
                    (
                        .keyIndex,
                        "the key offsets of row \(id) (\(start)..<\(end)) decrease or pass the \(byteCount) key bytes"
                    ))
                return problems
            }
            let hasKey = end > start
            let isLive = index.contains(UInt32(id))
            if hasKey != isLive, liveMismatch == nil {
                liveMismatch = isLive ? "live row \(id) has no key" : "row \(id) has a key but no live vector"
            }
            guard hasKey else { continue }
            let range = Int(start)..<Int(end)
            ranges[id] = range
            keyed += 1
            if invalidUTF8 == nil,
                String(validating: UnsafeRawBufferPointer(rebasing: keys.bytes[range]), as: UTF8.self) == nil
            {
                invalidUTF8 = UInt32(id)
            }
        }
        if offset(slots) != byteCount {
            problems.append(
                (.keyIndex, "the key offsets end at \(offset(slots)), the keys section has \(byteCount) bytes"))
        }
        if let liveMismatch { problems.append((.keys, liveMismatch)) }
        if let invalidUTF8 { problems.append((.keys, "the key of row \(invalidUTF8) is not UTF-8")) }

        let orderCount = keys.order.count / 4
        if orderCount != keyed {
            problems.append((.keyOrder, "the key order lists \(orderCount) rows, \(keyed) rows have keys"))
        }
        var previous: Range<Int>?
        for i in 0..<orderCount {
            let id = Int(UInt32(littleEndian: keys.order.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            guard id < slots, let range = ranges[id] else {
                problems.append((.keyOrder, "entry \(i) of the key order names row \(id), which has no key"))
                break
            }
            if let previous,
                MappedKeys.compare(
                    UnsafeRawBufferPointer(rebasing: keys.bytes[previous]),
                    UnsafeRawBufferPointer(rebasing: keys.bytes[range])) >= 0
            {
                problems.append((.keyOrder, "the key order is not strictly ascending at entry \(i) (row \(id))"))
                break
            }
            previous = range
        }
        for id in 0..<slots where ranges[id] != nil {
            guard let key = keys.key(of: UInt32(id)), keys.id(for: key) == UInt32(id) else {
                problems.append((.keyOrder, "the key of row \(id) does not map back to it"))
                break
            }
        }
        return problems
    }

    /// The message of an engine, storage or index error.
    static func message(_ error: any Error) -> String {
        switch error {
        case let error as EngineError: error.message
        case let error as StorageError: error.message
        case let error as IndexError: error.message
        default: "\(error)"
        }
    }
}
