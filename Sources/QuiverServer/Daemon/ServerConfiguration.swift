public import Quiver
public import Logging
internal import NIOCore

/// Settings of a `quiverd` server: the command line's options, a config file's keys, and the
/// defaults of both. Names follow redis.conf where Redis has the setting.
public struct ServerConfiguration: Sendable {
    // MARK: Data

    /// The data directory. Default `quiver-data` in the working directory.
    public var directory = "quiver-data"
    /// When writes are acknowledged. Default `always` (fsync with group commit); `interval`
    /// syncs once a second and loses at most that on a power loss.
    public var durability: DatabaseConfiguration.Durability = .always
    /// Memory the string keyspace may hold before writes are refused (Redis's `maxmemory`,
    /// `noeviction`); 0 for no limit. Default 0.
    public var maxMemoryBytes = 0

    // MARK: Network

    /// Addresses to listen on. Default loopback only.
    public var bindAddresses = ["127.0.0.1"]
    /// TCP port. Default 6379.
    public var port = 6379
    /// Whether, without a password, clients from non-loopback addresses are refused (Redis's
    /// protected mode). Default `true`.
    public var protectedMode = true
    /// The password of the default user; `nil` for none. Default none.
    public var requirePassword: String?
    /// Named users besides the default one (config-file `user` lines), who authenticate with
    /// `AUTH NAME PASSWORD`. Default none.
    public var users: [ServerUser] = []
    /// Most clients connected at once. Default 10,000.
    public var maxClients = 10_000
    /// Seconds a client may stay idle before it is disconnected; 0 for never. Default 0.
    public var idleTimeoutSeconds = 0
    /// Port of the HTTP endpoint for Prometheus metrics (`/metrics`) and health checks
    /// (`/health/live`, `/health/ready`), on every bind address; `nil` for none. Default none.
    public var metricsPort: Int?

    // MARK: Limits

    /// Longest bulk argument accepted (`proto-max-bulk-len`). Default 512 MiB.
    public var maxBulkLength = 512 << 20
    /// Most bytes of unparsed input held per client (`client-query-buffer-limit`). Default 1 GiB.
    public var maxQueryBufferBytes = 1 << 30
    /// Output a client may leave unread before it is disconnected (the hard limit of
    /// `client-output-buffer-limit normal`): replies queued in the server beyond what the
    /// kernel's socket buffer took. Default 256 MiB; `Int.max` for no limit.
    public var maxOutputBufferBytes = 256 << 20

    /// Event-loop threads serving clients (`io-threads`). Default: ``defaultIOThreads(cores:)``
    /// of this machine's cores.
    public var ioThreads = Self.defaultIOThreads(cores: System.coreCount)

    /// The default `io-threads` for a machine of `cores` cores: all but two of them, at least one
    /// and at most eight (Redis's advice for its I/O threads: leave cores to the kernel's network
    /// work and to clients). On 2 cores shared with `redis-benchmark`, one loop measured SET at
    /// 0.87-0.97x and GET at 0.85-0.91x of redis-server against 0.72x and 0.64x with two
    /// (`tools/bench-strings`, docs/benchmarks.md).
    public static func defaultIOThreads(cores: Int) -> Int { max(1, min(cores - 2, 8)) }

    /// Threads `VSIM` searches run on (`search-threads`), off the event loops, as Redis runs
    /// `VSIM` on a thread unless `NOTHREAD`: a long search holds up neither the other clients of
    /// its loop nor its own pipeline's later commands, and searches of several clients use
    /// several cores. 0 runs every search on its connection's event loop. Default:
    /// ``defaultSearchThreads(cores:)`` of this machine's cores.
    public var searchThreads = Self.defaultSearchThreads(cores: System.coreCount)

    /// The default `search-threads` for a machine of `cores` cores: every core (at most 32) when
    /// there are more than two, else none. On 2 cores shared with the clients the hand-over
    /// cost more than it bought: one connection's VSIM at the default EF measured 0.77-0.79x
    /// the QPS of searching on the event loop (`tools/bench-vsim`, docs/protocol/vector-sets.md).
    public static func defaultSearchThreads(cores: Int) -> Int { cores > 2 ? min(cores, 32) : 0 }

    // MARK: Operations

    /// Whether `DEBUG` is accepted. Default `false`.
    public var enableDebugCommand = false
    /// The least severe log messages written to standard error. Default `info`; `debug` adds
    /// one line per refused or failed connection.
    public var logLevel: Logger.Level = .info
    /// The memory allocator the process runs on, as `INFO memory` reports it (`mem_allocator`):
    /// `libc`, or `jemalloc-5.3.0` when the executable links jemalloc. Not a config-file key.
    public var allocator = "libc"

    /// The defaults.
    public init() {}
}
