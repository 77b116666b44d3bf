internal import Quiver
internal import QuiverIndex

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The sections of `INFO`, each a list of `field:value` lines as Redis 7 names them, plus
/// quiverd's own fields (prefixed `quiver_`) where Redis has no equivalent.
///
/// Figures quiverd does not have (replication offsets, buffers, forks) are printed with the
/// value an idle standalone Redis prints, so that parsers and dashboards find every field they
/// expect.
enum InfoSections {
    /// The Redis version quiverd reports (`HELLO`, `INFO server`): redis-py enables the
    /// vector-set commands from 8.0 on.
    static let redisVersion = "8.8.0"
    /// quiverd's own version (`INFO server quiver_version`).
    static let quiverVersion = "0.1.0"

    /// Every section, in Redis's order, and whether `INFO` without arguments (`default`)
    /// includes it.
    static let all: [(name: String, isDefault: Bool)] = [
        ("server", true), ("clients", true), ("memory", true), ("persistence", true), ("stats", true),
        ("replication", true), ("cpu", true), ("modules", true), ("commandstats", false), ("errorstats", true),
        ("cluster", true), ("keyspace", true),
    ]

    /// The fields of section `name` (lower case); `nil` for a section that does not exist.
    static func fields(_ name: String, daemon: Daemon) -> [(String, String)]? {
        switch name {
        case "server": server(daemon)
        case "clients": clients(daemon)
        case "memory": memory(daemon)
        case "persistence": persistence(daemon)
        case "stats": stats(daemon)
        case "replication": replication(daemon)
        case "cpu": cpu()
        case "modules", "errorstats": []
        case "commandstats": commandStatistics(daemon)
        case "cluster": [("cluster_enabled", "0")]
        case "keyspace": keyspace(daemon)
        default: nil
        }
    }

    /// The `INFO` text of `sections` (lower-case names, in the order of ``all``): `# Title`
    /// headers, CRLF lines, an empty line between sections.
    static func render(_ sections: [String], daemon: Daemon) -> String {
        var out = ""
        for name in sections {
            guard let lines = fields(name, daemon: daemon) else { continue }
            if !out.isEmpty { out += "\r\n" }
            out += "# " + (name == "cpu" ? "CPU" : name.prefix(1).uppercased() + name.dropFirst()) + "\r\n"
            for (key, value) in lines { out += key + ":" + value + "\r\n" }
        }
        return out
    }

    // MARK: Sections

    /// Versions, process, port and uptime.
    static func server(_ daemon: Daemon) -> [(String, String)] {
        let now = daemon.database.configuration.wallClock()
        let uptime = max(0, now - daemon.startedAt) / 1000
        return [
            ("redis_version", redisVersion), ("redis_git_sha1", "00000000"), ("redis_git_dirty", "0"),
            ("redis_build_id", "0"), ("redis_mode", "standalone"), ("quiver_version", quiverVersion),
            ("os", operatingSystem()), ("arch_bits", "\(Int.bitWidth)"), ("monotonic_clock", "POSIX clock_gettime"),
            ("multiplexing_api", "epoll"), ("atomicvar_api", "c11-builtin"), ("gcc_version", "0.0.0"),
            ("process_id", "\(getpid())"), ("process_supervised", "no"), ("run_id", daemon.runID),
            ("tcp_port", "\(daemon.configuration.port)"), ("server_time_usec", "\(now * 1000)"),
            ("uptime_in_seconds", "\(uptime)"), ("uptime_in_days", "\(uptime / 86_400)"), ("hz", "10"),
            ("configured_hz", "10"), ("lru_clock", "\((now / 1000) & 0xFF_FFFF)"), ("executable", ""),
            ("config_file", ""), ("io_threads_active", "0"),
        ]
    }

    /// Connected clients and the `maxclients` limit (no blocking commands, no tracking).
    static func clients(_ daemon: Daemon) -> [(String, String)] {
        let maxClients = daemon.settings.withLock { $0.maxClients }
        return [
            ("connected_clients", "\(daemon.clients.count)"), ("cluster_connections", "0"),
            ("maxclients", "\(maxClients)"), ("client_recent_max_input_buffer", "0"),
            ("client_recent_max_output_buffer", "0"), ("blocked_clients", "0"), ("tracking_clients", "0"),
            ("pubsub_clients", "0"), ("watching_clients", "0"), ("clients_in_timeout_table", "0"),
            ("total_watched_keys", "0"), ("total_blocking_keys", "0"), ("total_blocking_keys_on_nokey", "0"),
        ]
    }

    /// `used_memory` is the process's resident set (quiverd has no allocator statistics);
    /// `used_memory_dataset` is what `maxmemory` limits: the key and value bytes of the strings.
    static func memory(_ daemon: Daemon) -> [(String, String)] {
        let resident = ProcessMemory.residentBytes() ?? 0
        let peak = peakResident.withLock { peak in
            peak = max(peak, resident)
            return peak
        }
        let strings = daemon.stringBytes()
        let maxMemory = daemon.settings.withLock { $0.maxMemoryBytes }
        let system = Int(sysconf(Int32(_SC_PHYS_PAGES))) * pageSize
        return [
            ("used_memory", "\(resident)"), ("used_memory_human", human(resident)),
            ("used_memory_rss", "\(resident)"), ("used_memory_rss_human", human(resident)),
            ("used_memory_peak", "\(peak)"), ("used_memory_peak_human", human(peak)),
            ("used_memory_dataset", "\(strings)"), ("quiver_string_bytes", "\(strings)"),
            ("total_system_memory", "\(system)"), ("total_system_memory_human", human(system)),
            ("maxmemory", "\(maxMemory)"), ("maxmemory_human", human(maxMemory)),
            ("maxmemory_policy", "noeviction"), ("mem_fragmentation_ratio", "1.00"), ("mem_allocator", daemon.configuration.allocator),
            ("lazyfree_pending_objects", "0"),
        ]
    }

    /// Redis's persistence fields, read as quiverd's log: `aof_enabled` is 1 unless durability
    /// is `none`; then the log and segment figures of the engine.
    static func persistence(_ daemon: Daemon) -> [(String, String)] {
        let durability: String
        switch daemon.configuration.durability {
        case .always: durability = "always"
        case .interval(let milliseconds): durability = "interval(\(milliseconds)ms)"
        case .none: durability = "none"
        }
        let engine = daemon.database.engine
        let names = engine.collectionNames + engine.tableNames
        var segments = 0
        var segmentBytes = 0
        var memtableBytes = 0
        for name in names {
            segments += (try? engine.segmentCount(in: name)) ?? 0
            segmentBytes += (try? engine.segmentBytes(in: name)) ?? 0
            memtableBytes += (try? engine.memoryBytes(in: name)) ?? 0
        }
        return [
            ("loading", "0"), ("async_loading", "0"), ("current_cow_peak", "0"), ("current_cow_size", "0"),
            ("current_fork_perc", "0.00"), ("current_save_keys_processed", "0"), ("current_save_keys_total", "0"),
            ("rdb_changes_since_last_save", "0"), ("rdb_bgsave_in_progress", "0"),
            ("rdb_last_save_time", "\(daemon.startedAt / 1000)"), ("rdb_last_bgsave_status", "ok"),
            ("aof_enabled", daemon.configuration.durability == .none ? "0" : "1"), ("aof_rewrite_in_progress", "0"),
            ("aof_rewrite_scheduled", "0"), ("aof_last_write_status", "ok"), ("module_fork_in_progress", "0"),
            ("quiver_durability", durability), ("quiver_wal_last_sequence", "\(engine.lastSequence)"),
            ("quiver_collections", "\(engine.collectionNames.count)"), ("quiver_tables", "\(engine.tableNames.count)"),
            ("quiver_segments", "\(segments)"), ("quiver_segment_bytes", "\(segmentBytes)"),
            ("quiver_memtable_bytes", "\(memtableBytes)"),
        ]
    }

    /// Connection and command counters, and the strings' hits, misses and expirations, since
    /// the last `CONFIG RESETSTAT` (``StatisticsBaseline``).
    static func stats(_ daemon: Daemon) -> [(String, String)] {
        let statistics = daemon.statistics
        let baseline = StatisticsBaseline.of(daemon)
        let strings = StatisticsBaseline.stringFigures(daemon)
        let commands = baseline.commands(of: daemon).values.reduce(0) { $0 + $1.calls }
        return [
            ("total_connections_received", "\(statistics.connectionsReceived - baseline.connectionsReceived)"),
            ("total_commands_processed", "\(commands)"), ("instantaneous_ops_per_sec", "0"),
            ("rejected_connections", "\(statistics.rejectedConnections - baseline.rejectedConnections)"),
            ("expired_keys", "\(max(0, strings.expired - baseline.expiredKeys))"), ("evicted_keys", "0"),
            ("evicted_clients", "0"), ("keyspace_hits", "\(max(0, strings.hits - baseline.keyspaceHits))"),
            ("keyspace_misses", "\(max(0, strings.misses - baseline.keyspaceMisses))"), ("pubsub_channels", "0"),
            ("pubsub_patterns", "0"), ("latest_fork_usec", "0"), ("total_forks", "0"), ("migrate_cached_sockets", "0"),
            ("total_error_replies", "0"), ("unexpected_error_replies", "0"),
        ]
    }

    /// A standalone master without replicas; the replication id is the run id.
    static func replication(_ daemon: Daemon) -> [(String, String)] {
        [
            ("role", "master"), ("connected_slaves", "0"), ("master_failover_state", "no-failover"),
            ("master_replid", daemon.runID), ("master_replid2", String(repeating: "0", count: 40)),
            ("master_repl_offset", "0"), ("second_repl_offset", "-1"), ("repl_backlog_active", "0"),
            ("repl_backlog_size", "1048576"), ("repl_backlog_first_byte_offset", "0"), ("repl_backlog_histlen", "0"),
        ]
    }

    /// CPU seconds of the process (`getrusage`).
    static func cpu() -> [(String, String)] {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> String {
            let micros = Int(time.tv_sec) * 1_000_000 + Int(time.tv_usec)
            let fraction = String(micros % 1_000_000)
            return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
        }
        return [
            ("used_cpu_sys", seconds(usage.ru_stime)), ("used_cpu_user", seconds(usage.ru_utime)),
            ("used_cpu_sys_children", "0.000000"), ("used_cpu_user_children", "0.000000"),
        ]
    }

    /// `cmdstat_NAME:calls=N,usec=N,usec_per_call=N.NN,rejected_calls=0,failed_calls=0`, by name,
    /// since the last `CONFIG RESETSTAT`.
    static func commandStatistics(_ daemon: Daemon) -> [(String, String)] {
        StatisticsBaseline.of(daemon).commands(of: daemon).sorted { $0.key < $1.key }.map { name, figures in
            let perCall = figures.calls == 0 ? 0 : Double(figures.microseconds) / Double(figures.calls)
            return (
                "cmdstat_\(name)",
                "calls=\(figures.calls),usec=\(figures.microseconds),usec_per_call=\(fixed2(perCall)),rejected_calls=0,failed_calls=0"
            )
        }
    }

    /// `dbN:keys=N,expires=N,avg_ttl=0` for each logical database holding keys.
    ///
    /// - Complexity: O(strings): counting the strings with a time to live visits each.
    static func keyspace(_ daemon: Daemon) -> [(String, String)] {
        let database = daemon.database
        var out: [(String, String)] = []
        for keyspace in daemon.keyspaces {
            let strings = keyspace.existingStrings(in: database)
            let keys = (strings?.count ?? 0) + daemon.vectorSets.count(keyspace.index)
            guard keys > 0 else { continue }
            var expires = 0
            if let strings {
                for key in strings.keys() where (strings.peek(key)?.deadline ?? .max) != .max { expires += 1 }
            }
            out.append(("db\(keyspace.index)", "keys=\(keys),expires=\(expires),avg_ttl=0"))
        }
        return out
    }

    // MARK: Process figures

    /// The largest resident set ``memory(_:)`` has seen.
    private static let peakResident = Locked(0)

    /// The memory page size (`sysconf(_SC_PAGESIZE)`).
    static var pageSize: Int { Int(sysconf(Int32(_SC_PAGESIZE))) }

    /// `uname`'s system, release and machine: `Linux 6.8.0 x86_64`.
    static func operatingSystem() -> String {
        var name = utsname()
        guard uname(&name) == 0 else { return "unknown" }
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return "\(text(name.sysname)) \(text(name.release)) \(text(name.machine))"
    }

    /// Redis's `bytesToHuman`: `512B`, `1.50K`, `2.00M`, `1.25G`.
    static func human(_ bytes: Int) -> String {
        let value = Double(bytes)
        if bytes < 1024 { return "\(bytes)B" }
        if bytes < 1024 * 1024 { return fixed2(value / 1024) + "K" }
        if bytes < 1024 * 1024 * 1024 { return fixed2(value / (1024 * 1024)) + "M" }
        if bytes < 1024 * 1024 * 1024 * 1024 { return fixed2(value / (1024 * 1024 * 1024)) + "G" }
        return fixed2(value / (1024 * 1024 * 1024 * 1024)) + "T"
    }

    /// `value` with two decimals (`%.2f`).
    static func fixed2(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}
