internal import Synchronization
internal import Quiver
internal import QuiverMetadata
internal import QuiverRESP

/// What the string and key commands need from a ``CommandContext``: the selected database's
/// strings table, vector-set lookups, the `maxmemory` check and the atomic read-modify-write.
extension CommandContext {
    /// The strings table of the selected logical database.
    func stringTable() throws(CommandError) -> Cache {
        try resolveStringTable()
        return connectionBox.stringsCache!
    }

    /// Runs `body` with the in-memory table of the selected database's strings, lent without
    /// reference counting (the connection keeps the table; see ``ConnectionStateBox/stringsTable``).
    @inline(__always)
    func withStringTable<R>(_ body: (CacheTable) throws(CommandError) -> R) throws(CommandError) -> R {
        try resolveStringTable()
        let result = connectionBox.stringsTable!._withUnsafeGuaranteedRef { table in
            Result { () throws(CommandError) -> R in try body(table) }
        }
        return try result.get()
    }

    /// Resolves the strings table into the connection's box unless the one there is current.
    @inline(__always)
    private func resolveStringTable() throws(CommandError) {
        let key = (database: connection.database, identity: daemon.databaseIdentity)
        let box = connectionBox
        if box.stringsKey == key, box.stringsTable != nil { return }
        let cache = try keyspace.strings(of: daemon)
        box.stringsCache = cache
        box.stringsTable = Unmanaged.passUnretained(cache.memoryTable)
        box.stringsKey = key
    }

    /// Whether `key` is a vector set of the selected logical database.
    @inline(__always)
    func isVectorSet(_ key: Key) -> Bool { daemon.vectorSets.info(connection.database, key) != nil }

    /// Refuses a command that may grow memory while the strings of every logical database hold
    /// more than `maxmemory` (when set): Redis's `noeviction` policy for `denyoom` commands.
    ///
    /// - Throws: `OOM command not allowed when used memory > 'maxmemory'.`
    func requireMemory() throws(CommandError) {
        let limit = daemon.maxMemoryLimit.load(ordering: .relaxed)
        guard limit > 0 else { return }
        if daemon.stringBytes() > limit { throw .outOfMemory }
    }

    /// Runs `body` on the live entries of `keys` and applies the changes it returns, with no
    /// other write to those keys in between (``Cache/update(_:_:)``); rethrows the command error
    /// `body` decided on after leaving everything as it was.
    func update(
        _ strings: Cache, _ keys: [Key],
        _ body: ([(value: [UInt8], deadline: Int64)?]) -> ([Cache.Change], Result<RESPValue, CommandError>)
    ) throws(CommandError) -> RESPValue {
        let result: Result<RESPValue, CommandError>
        do {
            result = try strings.update(keys) { entries throws(QuiverError) in body(entries) }
        } catch { throw CommandError(error) }
        return try result.get()
    }
}

extension Daemon {
    /// Bytes of keys and values held by the strings of every logical database (what
    /// `maxmemory` limits).
    func stringBytes() -> Int {
        let database = self.database
        var used = 0
        for keyspace in keyspaces { used += keyspace.existingStrings(in: database)?.statistics.bytes ?? 0 }
        return used
    }
}

extension CommandError {
    /// `OOM command not allowed when used memory > 'maxmemory'.`
    static let outOfMemory = CommandError("OOM command not allowed when used memory > 'maxmemory'.")
    /// `ERR no such key` (`RENAME` of a missing key).
    static let noSuchKey = CommandError.err("no such key")
}

extension RESPValue {
    /// A bulk string of `bytes`, or the null bulk string.
    static func bulkOrNull(_ bytes: [UInt8]?) -> RESPValue {
        guard let bytes else { return .nullBulkString }
        return .bulkString(bytes: bytes)
    }
}
