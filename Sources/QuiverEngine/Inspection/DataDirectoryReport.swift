package import SystemPackage

/// What a data directory holds, read without changing it: the manifest, the collections and their
/// segments, the log files, files the manifest does not explain, and the problems met on the way.
///
/// ``DataDirectoryInspector`` builds it; `quiver inspect` and `quiver verify` print it.
package struct DataDirectoryReport: Sendable {
    /// Whether another process had the directory open.
    package enum LockState: String, Sendable, Hashable {
        /// `LOCK` was free; the inspector held it while reading, so nothing changed meanwhile.
        case free
        /// Another process (or another open in this one) holds `LOCK`: files may change while read.
        case inUse = "in use"
        /// There is no `LOCK` file (the inspector does not create one).
        case absent = "no LOCK file"
        /// `LOCK` exists but could not be opened or locked for another reason (permissions): as
        /// with ``inUse``, files may change while read.
        case notTaken = "LOCK not taken"
    }

    /// The live manifest.
    package struct ManifestSummary: Sendable, Hashable {
        /// Its file name, `MANIFEST-NNNNNN`.
        package var file: String
        /// Its number.
        package var number: UInt64
        /// Its format version.
        package var version: UInt16
        /// Intact records (the first is the snapshot).
        package var records: Int
        /// The file's size.
        package var bytes: Int
        /// Log records up to this sequence number are in segments.
        package var checkpointSequence: UInt64
        /// The next file number the engine hands out.
        package var nextFileNumber: UInt64
        /// Bytes of a torn last record (dropped at the next open), if any.
        package var tornTailBytes: Int?
    }

    /// One segment the manifest lists.
    package struct SegmentSummary: Sendable, Hashable {
        /// The segment number.
        package var number: UInt64
        /// Its file name, `NNNNNN.seg`.
        package var file: String
        /// Its compaction level.
        package var level: Int
        /// Its size as the manifest records it.
        package var bytes: Int
        /// Its size on disk, `nil` when the file is missing.
        package var fileBytes: Int?
        /// Rows (HNSW slots, live or not) as the manifest records them.
        package var rows: Int
        /// Rows neither deleted in the index nor by a tombstone in a later segment; `nil` when the
        /// segment could not be opened. Deletes still in the log are not counted.
        package var liveRows: Int?
        /// Rows of older segments this segment deletes; `nil` when it could not be opened.
        package var tombstones: Int?
        /// The section table (kind, offset, length, compressed), `nil` when it could not be read.
        package var sections: [SectionSummary]?
    }

    /// One entry of a segment's section table.
    package struct SectionSummary: Sendable, Hashable {
        /// The kind, `2 (vectors)`.
        package var kind: String
        /// The section's first byte.
        package var offset: Int
        /// Its length.
        package var length: Int
        /// Whether it is a compressed record list.
        package var isCompressed: Bool
    }

    /// One collection or record table of the catalog.
    package struct CollectionSummary: Sendable, Hashable {
        /// The collection's name.
        package var name: String
        /// Whether the catalog entry is a record table (else a vector collection).
        package var isTable = false
        /// Its definition, `nil` for a table or when the catalog entry does not decode.
        package var definition: CollectionDefinition?
        /// Its segments, ascending by number.
        package var segments: [SegmentSummary]
    }

    /// One write-ahead log file.
    package struct LogSummary: Sendable, Hashable {
        /// The log number.
        package var number: UInt64
        /// Its file name, `NNNNNN.wal`.
        package var file: String
        /// The file's size.
        package var bytes: Int64
        /// The sequence number the header says the first record has; `nil` for an unreadable header.
        package var firstSequence: UInt64?
        /// Intact records read.
        package var records: Int
        /// The first record's sequence number.
        package var firstRecordSequence: UInt64?
        /// The last record's sequence number.
        package var lastSequence: UInt64?
        /// Records after the manifest's checkpoint: what the next open replays.
        package var recordsAfterCheckpoint: Int
        /// Where the last intact record ends.
        package var validEnd: Int64
        /// Bytes of a torn tail after ``validEnd`` (dropped at the next open).
        package var tornTailBytes: Int64
        /// Zero bytes after the last record (preallocated or unwritten space; harmless).
        package var zeroTailBytes: Int64
    }

    /// The data directory.
    package var directory: FilePath
    /// Whether another process had it open.
    package var lock: LockState
    /// The live manifest, `nil` when it could not be read (see ``findings``).
    package var manifest: ManifestSummary?
    /// The collections, by name.
    package var collections: [CollectionSummary] = []
    /// The log files, ascending.
    package var logs: [LogSummary] = []
    /// Files the engine deletes at open: temporaries, unlisted segments, old manifests.
    package var orphans: [String] = []
    /// Files the manifest lists that are not there.
    package var missing: [String] = []
    /// What was wrong, in the order found.
    package var findings: [DataDirectoryFinding] = []
    /// Whether the full checks ran (``DataDirectoryInspector/verify()``), not only the summary.
    package var isVerified = false

    /// A report of `directory` with nothing found yet.
    package init(directory: FilePath, lock: LockState) {
        self.directory = directory
        self.lock = lock
    }

    /// Whether any finding is damage.
    package var hasDamage: Bool { findings.contains { $0.severity == .damage } }

    /// Sum of the sizes of the segment files, the live manifest and the log files.
    package var storedBytes: Int64 {
        let segments = collections.flatMap(\.segments).reduce(Int64(0)) { $0 + Int64($1.fileBytes ?? 0) }
        return segments + Int64(manifest?.bytes ?? 0) + logs.reduce(Int64(0)) { $0 + $1.bytes }
    }
}
