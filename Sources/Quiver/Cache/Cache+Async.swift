public import QuiverEngine

// The asynchronous forms of the cache table's writes: each commits on a thread of the database's
// own (see ``Database/write(_:)-(_)``), never blocking Swift's cooperative pool on the log of a
// persistent table, and checks for cancellation before it starts (a cancelled call throws
// `CancellationError` and changes nothing). Reads come from memory and have no asynchronous form.
extension Cache {
    /// The asynchronous form of ``set(_:forKey:ttl:)-(_,Key,_)``.
    public func set(_ value: [UInt8], forKey key: Key, ttl: Duration? = nil) async throws {
        try await database.write { $0.set(value, forKey: key, ttl: ttl, inCache: name) }
    }

    /// The asynchronous form of ``set(_:forKey:ttl:)-(_,String,_)``.
    public func set(_ value: [UInt8], forKey key: String, ttl: Duration? = nil) async throws {
        try await set(value, forKey: Key(key), ttl: ttl)
    }

    /// The asynchronous form of ``remove(_:)``.
    public func remove(_ key: Key) async throws {
        try await database.write { $0.removeCached(key, inCache: name) }
    }

    /// The asynchronous form of ``removeAll()``.
    public func removeAll() async throws {
        try Task.checkCancellation()
        let cache = self
        try await database.executor.run { () throws(QuiverError) in try cache.removeAll() }
    }

    /// The asynchronous form of ``update(_:_:)``: `body` runs on a thread of the database's own,
    /// holding the keys' locks as the synchronous form does.
    public func update<R: Sendable>(
        _ keys: [Key], _ body: @escaping @Sendable ([(value: [UInt8], deadline: Int64)?]) throws(QuiverError) -> ([Change], R)
    ) async throws -> R {
        try Task.checkCancellation()
        let cache = self
        return try await database.executor.run { () throws(QuiverError) -> R in try cache.updateNow(keys, body) }
    }
}
