/// The data directory's state: the fold of every edit in the live manifest.
public struct ManifestState: Sendable, Hashable {
    /// The number of the manifest file this state was read from or written to (0 for a state not
    /// yet in a file).
    public internal(set) var manifestNumber: UInt64 = 0
    /// The next number to give a file; greater than every number in use.
    public internal(set) var nextFileNumber: UInt64 = 1
    /// WAL records up to this sequence number are in segments.
    public internal(set) var checkpointSequence: UInt64 = 0
    /// The live segments by number.
    public internal(set) var segmentsByNumber: [UInt64: SegmentDescriptor] = [:]
    /// The catalog: opaque collection definitions by name.
    public internal(set) var catalog: [String: [UInt8]] = [:]

    /// The empty state, before any edit.
    public init() {}

    /// The live segments, ascending by number.
    ///
    /// - Complexity: O(*n* log *n*) for *n* segments.
    public var segments: [SegmentDescriptor] { segmentsByNumber.values.sorted { $0.number < $1.number } }

    /// This state with `edit` applied.
    ///
    /// - Throws: ``StorageError/Code/invalidArgument`` when the edit does not fit the state: a
    ///   `nextFileNumber` of `UInt64.max`, a checkpoint below the current one, a removed segment or
    ///   catalog entry that is not there, an added segment that already is, or a name both set and
    ///   removed.
    /// - Complexity: O(size of the edit), plus copying the state.
    public func applying(_ edit: ManifestEdit) throws(StorageError) -> ManifestState {
        var next = self
        if let number = edit.nextFileNumber {
            guard number < UInt64.max else {
                throw StorageError(.invalidArgument, "file number \(number) exhausts the number space")
            }
            next.nextFileNumber = max(next.nextFileNumber, number)
        }
        if let sequence = edit.checkpointSequence {
            guard sequence >= checkpointSequence else {
                throw StorageError(
                    .invalidArgument, "checkpoint \(sequence) is below the current checkpoint \(checkpointSequence)")
            }
            next.checkpointSequence = sequence
        }
        for number in edit.removedSegments {
            guard next.segmentsByNumber.removeValue(forKey: number) != nil else {
                throw StorageError(.invalidArgument, "removed segment \(number) is not live")
            }
        }
        for segment in edit.addedSegments {
            guard next.segmentsByNumber[segment.number] == nil, !edit.removedSegments.contains(segment.number) else {
                throw StorageError(
                    .invalidArgument, "added segment \(segment.number) is already live or removed by the same edit")
            }
            next.segmentsByNumber[segment.number] = segment
        }
        for name in edit.catalogRemoved {
            guard next.catalog.removeValue(forKey: name) != nil, edit.catalogSet[name] == nil else {
                throw StorageError(.invalidArgument, "removed catalog entry \(name) is not there or is also set")
            }
        }
        for (name, value) in edit.catalogSet { next.catalog[name] = value }
        return next
    }

    /// One edit that rebuilds this state from the empty state (what a new manifest starts with).
    public func snapshot() -> ManifestEdit {
        ManifestEdit(
            nextFileNumber: nextFileNumber, checkpointSequence: checkpointSequence, addedSegments: segments,
            catalogSet: catalog)
    }
}
