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
                    switch try CatalogEntry(encoded: bytes) {
                    case .collection(let decoded): definition = decoded
                    case .table(let table):
                        collections.append(checkTable(table, segments: byOwner[name] ?? []))
                        continue
                    }
                } catch {
                    damage(manifestFile, "catalog entry of \(name) does not decode: \(error.message)")
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

    /// A record table's summary: each of its segments opened and, in verification, its key and
    /// record sections checked.
    private mutating func checkTable(
        _ table: TableDefinition, segments: [SegmentDescriptor]
    ) -> DataDirectoryReport.CollectionSummary {
        var summaries: [DataDirectoryReport.SegmentSummary] = []
        for descriptor in segments {
            var (summary, file) = locateSegment(descriptor)
            if let (file, bytesIntact) = file {
                let name = summary.file
                do {
                    let part = try RecordSegment.open(file, definition: table, number: descriptor.number)
                    summary.liveRows = part.count
                    if verifying, bytesIntact, case .mapped(let records) = part.source, let problem = records.keys.damage() {
                        damage(name, section: "\(SegmentSectionKind.keys)", problem)
                    }
                } catch {
                    if let error = error as? StorageError {
                        damage(error, "the engine refuses to open")
                    } else {
                        damage(name, "\(DataDirectoryInspector.message(error)); the engine refuses to open")
                    }
                }
            }
            summaries.append(summary)
        }
        return DataDirectoryReport.CollectionSummary(name: table.name, isTable: true, definition: nil, segments: summaries)
    }

    /// The summary of the segment `descriptor` names and, when it is there and its layout reads,
    /// the mapped file with whether every checksum passed.
    private mutating func locateSegment(
        _ descriptor: SegmentDescriptor
    ) -> (DataDirectoryReport.SegmentSummary, (SegmentFile, Bool)?) {
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
        return (summary, (file, bytesIntact))
    }

    /// Opens and checks the segment `descriptor` names; returns its summary and, when it opened
    /// as a part of its collection, the part.
    private mutating func openSegment(
        _ descriptor: SegmentDescriptor, definition: CollectionDefinition?
    ) -> (DataDirectoryReport.SegmentSummary, FrozenPart?) {
        let (summary, located) = locateSegment(descriptor)
        let name = summary.file
        guard let (file, bytesIntact) = located, let definition else { return (summary, nil) }
        let part: FrozenPart
        do {
            part = try CollectionSegment.open(file, definition: definition, number: descriptor.number)
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
        if case .mapped(let rows) = part.rows {
            for (kind, problem) in Self.keyTableProblems(rows.keys, index: part.index) {
                damage(name, section: "\(kind)", problem)
            }
            do {
                let attributes = try file.compressedSection(.attributes)
                if attributes.count != rows.keys.count {
                    damage(
                        name, section: "\(SegmentSectionKind.attributes)",
                        "\(attributes.count) attribute records for \(rows.keys.count) keyed rows")
                }
            } catch {
                damage(error)
            }
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

    /// The first problem of each kind in a segment's key section: a layout that decodes with
    /// strictly ascending keys, one key for each live row and none for the others (rows are
    /// numbered in key order, so the keyed rows come first), every key mapping back to its row.
    ///
    /// - Complexity: O(n log n) for n rows.
    static func keyTableProblems(_ keys: SortedKeys, index: HNSWIndex) -> [(SegmentSectionKind, String)] {
        if let problem = keys.damage() { return [(.keys, problem)] }
        var problems: [(SegmentSectionKind, String)] = []
        for id in 0..<index.slotCount where index.contains(UInt32(id)) != (id < keys.count) {
            problems.append((.keys, id < keys.count ? "row \(id) has a key but no live vector" : "live row \(id) has no key"))
            break
        }
        var mismatch: Int?
        keys.forEach(from: 0) { i, key in
            guard keys.index(of: key) == i else {
                mismatch = i
                return false
            }
            return true
        }
        if let mismatch { problems.append((.keys, "the key of row \(mismatch) does not map back to it")) }
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
