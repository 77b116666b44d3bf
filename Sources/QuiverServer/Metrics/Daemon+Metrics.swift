internal import Quiver

extension Daemon {
    /// The server's metrics in the Prometheus text format, as `/metrics` serves them: commands
    /// (counts and latency histograms by command), clients and connections, memory, the string
    /// keyspace's hits and misses, cache tables, and the storage engine's WAL and segments.
    ///
    /// - Complexity: O(*c* + *t*) in the commands of the table and the collections and tables.
    func metricsExposition() -> String {
        var out = PrometheusExposition()
        let commands = statistics.commands

        out.family("quiverd_commands_total", type: "counter", help: "Commands processed, by command.")
        for figures in commands { out.sample("quiverd_commands_total", [("command", figures.name)], figures.calls) }
        out.family("quiverd_command_duration_seconds", type: "histogram", help: "Time to run a command, by command.")
        let bounds = ServerStatistics.latencyBucketBounds.map { Double($0) / 1e9 }
        for figures in commands {
            out.histogram(
                "quiverd_command_duration_seconds", [("command", figures.name)], bounds: bounds, counts: figures.buckets,
                sum: Double(figures.nanoseconds) / 1e9)
        }

        let settings = self.settings.withLock { $0 }
        out.single("quiverd_connected_clients", type: "gauge", help: "Clients connected now.", Double(clients.count))
        out.single("quiverd_maxclients", type: "gauge", help: "The maxclients limit.", Double(settings.maxClients))
        out.single(
            "quiverd_connections_received_total", type: "counter", help: "Connections accepted by the listener.",
            Double(statistics.connectionsReceived))
        out.single(
            "quiverd_connections_rejected_total", type: "counter", help: "Connections refused (maxclients, protected mode).",
            Double(statistics.rejectedConnections))
        let uptime = Double(database.configuration.wallClock() - startedAt) / 1000
        out.single("quiverd_uptime_seconds", type: "gauge", help: "Seconds since the server started.", uptime)

        if let resident = ProcessMemory.residentBytes() {
            out.single("quiverd_process_resident_memory_bytes", type: "gauge", help: "Resident set size of the process.", Double(resident))
        }

        let database = self.database
        var keys = 0
        var bytes = 0
        var hits = 0
        var misses = 0
        var expirations = 0
        for keyspace in keyspaces {
            guard let strings = keyspace.existingStrings(in: database) else { continue }
            let figures = strings.statistics
            keys += figures.entries
            bytes += figures.bytes
            hits += figures.hits
            misses += figures.misses
            expirations += figures.expirations
        }
        out.single("quiverd_keyspace_keys", type: "gauge", help: "String keys held, all logical databases.", Double(keys))
        out.single("quiverd_keyspace_bytes", type: "gauge", help: "Bytes of string keys and values held.", Double(bytes))
        out.single("quiverd_maxmemory_bytes", type: "gauge", help: "The maxmemory limit (0: none).", Double(settings.maxMemoryBytes))
        out.single("quiverd_keyspace_hits_total", type: "counter", help: "String reads that found a live key.", Double(hits))
        out.single("quiverd_keyspace_misses_total", type: "counter", help: "String reads that found no live key.", Double(misses))
        out.single(
            "quiverd_keyspace_expired_total", type: "counter", help: "String keys found or reclaimed expired.", Double(expirations))
        out.single(
            "quiverd_keyspace_hit_ratio", type: "gauge", help: "Hits over hits plus misses of string reads (0 before any).",
            hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses))

        let caches = database.cacheNames.filter { !$0.hasPrefix("redis.db") }
        out.family("quiverd_cache_hit_ratio", type: "gauge", help: "Hit ratio of each cache table.")
        var cacheFigures: [(String, CacheTable.Statistics)] = []
        for name in caches {
            guard let cache = try? database.cache(name) else { continue }
            cacheFigures.append((name, cache.statistics))
            out.sample("quiverd_cache_hit_ratio", [("cache", name)], cache.statistics.hitRatio)
        }
        out.family("quiverd_cache_hits_total", type: "counter", help: "Reads of each cache table that found an entry.")
        for (name, figures) in cacheFigures { out.sample("quiverd_cache_hits_total", [("cache", name)], figures.hits) }
        out.family("quiverd_cache_misses_total", type: "counter", help: "Reads of each cache table that found none.")
        for (name, figures) in cacheFigures { out.sample("quiverd_cache_misses_total", [("cache", name)], figures.misses) }
        out.family("quiverd_cache_evictions_total", type: "counter", help: "Entries each cache table evicted for room.")
        for (name, figures) in cacheFigures { out.sample("quiverd_cache_evictions_total", [("cache", name)], figures.evictions) }

        let engine = database.engine
        out.single(
            "quiverd_wal_last_sequence", type: "counter", help: "Sequence number of the last batch written to the WAL.",
            Double(engine.lastSequence))
        let stores = engine.collectionNames.map { ($0, "collection") } + engine.tableNames.map { ($0, "table") }
        var storeFigures: [(labels: [(String, String)], segments: Int, segmentBytes: Int, memory: Int)] = []
        for (name, kind) in stores {
            guard let segments = try? engine.segmentCount(in: name), let segmentBytes = try? engine.segmentBytes(in: name),
                let memory = try? engine.memoryBytes(in: name)
            else { continue }
            storeFigures.append(([("store", name), ("kind", kind)], segments, segmentBytes, memory))
        }
        out.family(
            "quiverd_storage_segments", type: "gauge",
            help: "Segment files of each collection or table (compaction merges them when they pile up).")
        for figures in storeFigures { out.sample("quiverd_storage_segments", figures.labels, figures.segments) }
        out.family("quiverd_storage_segment_bytes", type: "gauge", help: "Bytes of the segment files of each collection or table.")
        for figures in storeFigures { out.sample("quiverd_storage_segment_bytes", figures.labels, figures.segmentBytes) }
        out.family(
            "quiverd_storage_memtable_bytes", type: "gauge",
            help: "Bytes the writable part of each collection or table holds before its next flush.")
        for figures in storeFigures { out.sample("quiverd_storage_memtable_bytes", figures.labels, figures.memory) }
        return out.text
    }
}
