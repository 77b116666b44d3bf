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

    /// The manifest's options (when it rolls to a new file). Default: ``ManifestConfiguration``'s
    /// 1 MiB roll size; tests lower it to make the engine roll its manifest.
    package var manifest = ManifestConfiguration()

    /// The file system. Default: the operating system's.
    public var fileIO: any FileIO = PosixFileIO()

    /// Wall-clock time in milliseconds since 1970, against which record expiry is checked (by
    /// readers, flushes and compactions). Default: `CLOCK_REALTIME`; tests move it by hand.
    public var wallClock: @Sendable () -> Int64 = EngineOptions.systemWallClock

    /// `CLOCK_REALTIME` in milliseconds since 1970.
    public static let systemWallClock: @Sendable () -> Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// Default options.
    public init() {}
}

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif
