public import QuiverStorage

/// How a ``StorageEngine`` stores and maintains its data.
public struct EngineOptions: Sendable {
    /// When a write is acknowledged, and whether the log is checked strictly on open.
    /// Default: durability `always` (fsync before acknowledging, shared by concurrent writers),
    /// recovery `tolerateCorruptedTail`.
    public var wal = WALConfiguration()

    /// Bytes the writable part of the collections may hold before it is flushed to segments.
    /// Default 64 MiB.
    public var flushThresholdBytes = 64 << 20

    /// Segments of one collection that trigger a compaction merging them. Default 4.
    public var compactionTrigger = 4

    /// Threads a compaction inserts with: its throttle. Default 1, so a compaction takes at most
    /// one core from searches and writes.
    public var compactionThreads = 1

    /// Compression for attribute blocks. Default zstd level 3.
    public var codec: BlockCodec = .zstd(level: 3)

    /// Whether flushes and compactions run on a background thread when thresholds are crossed.
    /// Default `true`; tests turn it off and call ``StorageEngine/flush()`` and
    /// ``StorageEngine/compact()`` themselves.
    public var backgroundMaintenance = true

    /// The file system. Default: the operating system's.
    public var fileIO: any FileIO = PosixFileIO()

    /// Default options.
    public init() {}
}
