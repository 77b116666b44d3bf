/// One change to the data directory's state, recorded as one manifest record.
///
/// Every field is optional: an edit carries only what changed. ``ManifestState/applying(_:)``
/// folds edits into a state in this order: `nextFileNumber`, `checkpointSequence`,
/// `removedSegments`, `addedSegments`, `catalogRemoved`, `catalogSet`.
public struct ManifestEdit: Sendable, Hashable {
    /// The next number to give a file (segment, manifest, temporary); never lowers the state's.
    public var nextFileNumber: UInt64?
    /// WAL records up to this sequence number are in segments; never lower than the state's.
    public var checkpointSequence: UInt64?
    /// Segments published by this edit; their numbers must be new.
    public var addedSegments: [SegmentDescriptor]
    /// Segments this edit drops (compacted away); they must be in the state.
    public var removedSegments: [UInt64]
    /// Catalog entries set (added or replaced): opaque collection definitions by name.
    public var catalogSet: [String: [UInt8]]
    /// Catalog entries removed; they must be in the state.
    public var catalogRemoved: [String]

    /// An edit that changes nothing; set the fields that change.
    public init(
        nextFileNumber: UInt64? = nil, checkpointSequence: UInt64? = nil, addedSegments: [SegmentDescriptor] = [],
        removedSegments: [UInt64] = [], catalogSet: [String: [UInt8]] = [:], catalogRemoved: [String] = []
    ) {
        self.nextFileNumber = nextFileNumber
        self.checkpointSequence = checkpointSequence
        self.addedSegments = addedSegments
        self.removedSegments = removedSegments
        self.catalogSet = catalogSet
        self.catalogRemoved = catalogRemoved
    }
}
