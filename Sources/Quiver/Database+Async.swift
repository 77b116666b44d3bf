// The asynchronous forms of the database's schema calls: each runs on a thread of the database's
// own, as ``Database/write(_:)-(_)`` commits, and checks for cancellation before it starts (a
// cancelled call throws `CancellationError` and creates nothing).
extension Database {
    /// The asynchronous form of ``createCollection(_:options:)``.
    @discardableResult
    public func createCollection(_ name: String, options: CollectionOptions) async throws -> VectorCollection {
        try Task.checkCancellation()
        return try await executor.run { () throws(QuiverError) -> VectorCollection in
            try self.createCollection(name, options: options) as VectorCollection
        }
    }

    /// The asynchronous form of ``createCache(_:configuration:)``.
    @discardableResult
    public func createCache(_ name: String, configuration: CacheConfiguration = CacheConfiguration()) async throws -> Cache {
        try Task.checkCancellation()
        return try await executor.run { () throws(QuiverError) -> Cache in try self.createCache(name, configuration: configuration) }
    }

    /// The asynchronous form of ``dropCollection(_:)``.
    public func dropCollection(_ name: String) async throws {
        try Task.checkCancellation()
        try await executor.run { () throws(QuiverError) in try self.dropCollection(name) }
    }

    /// The asynchronous form of ``dropCache(_:)``.
    public func dropCache(_ name: String) async throws {
        try Task.checkCancellation()
        try await executor.run { () throws(QuiverError) in try self.dropCache(name) }
    }
}
