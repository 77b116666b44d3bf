internal import QuiverEngine
package import QuiverStorage

/// How a ``Database`` stores, syncs and maintains its data. Pass it once, at open.
public struct DatabaseConfiguration: Sendable {
    /// When a write counts as done.
    public enum Durability: Sendable, Hashable {
        /// After its bytes are synced to disk (`fdatasync`), shared with concurrent writers: a
        /// write that returned survives a crash or a power loss. The default.
        case always
        /// After `write(2)`; synced at most every `milliseconds`: survives a crash of the process,
        /// and a power loss loses at most the last interval.
        case interval(milliseconds: Int)
        /// After `write(2)`, never synced on purpose: survives a crash of the process only.
        case none
    }

    // MARK: Durability

    /// When writes are acknowledged. Default ``Durability/always``; `interval` for throughput
    /// when a power loss may cost the last second.
    public var durability: Durability = .always

    // MARK: Memory and maintenance

    /// Bytes the writable parts of all collections and tables may hold before they are flushed
    /// to segment files. Default 64 MiB; larger means fewer, bigger segments.
    public var memoryBudgetBytes = 64 << 20

    /// Segments of one collection or table that trigger a background compaction. Default 4.
    public var compactionTrigger = 4

    /// Threads a compaction inserts with: its throttle. Default 1, so compaction takes at most
    /// one core from searches and writes.
    public var compactionThreads = 1

    /// Whether flushes, compactions and the reclaim of expired cache entries run in the
    /// background. Default `true`.
    public var backgroundMaintenance = true

    /// How often the background work drops expired cache entries from memory (readers never see
    /// them either way; this returns their memory). Default 1 s; shorter returns memory sooner
    /// for a sweep of every table that often. Used with ``backgroundMaintenance`` only.
    public var cacheSweepInterval: Duration = .seconds(1)

    /// Wall-clock milliseconds since 1970 for TTLs and timestamps. Default: the system clock;
    /// tests move time by hand.
    public var wallClock: @Sendable () -> Int64 = EngineOptions.systemWallClock

    /// The file system the database reaches the disk through (default: the real one): tests
    /// wrap it to fail or hold chosen calls. An in-memory database ignores it.
    package var fileIO: (any FileIO)?

    /// A configuration with the defaults.
    public init() {}

    func engineOptions() -> EngineOptions {
        var options = EngineOptions()
        switch durability {
        case .always: options.wal.durability = .always
        case .interval(let milliseconds): options.wal.durability = .interval(.milliseconds(max(1, milliseconds)))
        case .none: options.wal.durability = .none
        }
        options.flushThresholdBytes = memoryBudgetBytes
        options.compactionTrigger = compactionTrigger
        options.compactionThreads = compactionThreads
        options.backgroundMaintenance = backgroundMaintenance
        options.wallClock = wallClock
        if let fileIO { options.fileIO = fileIO }
        return options
    }
}
