extension Snapshot {
    // MARK: Random sampling (Redis vector sets' VRANDMEMBER)

    /// Keys of `collection` drawn uniformly at random.
    ///
    /// - Parameters:
    ///   - count: how many keys to draw.
    ///   - distinct: `true` for distinct keys (at most every key, in random order); `false` for
    ///     `count` independent draws, which may repeat.
    ///   - generator: the source of randomness.
    /// - Returns: The keys; empty when `count < 1` or the collection is empty.
    /// - Throws: ``EngineError`` `notFound` for an unknown collection.
    /// - Complexity: O(count × log n) while most rows are live; O(n) when many rows are deleted
    ///   or a distinct sample wants more than a quarter of the keys.
    public func randomKeys(
        count: Int, distinct: Bool, in collection: String, using generator: inout some RandomNumberGenerator
    ) throws(EngineError) -> [Key] {
        try state.collection(collection).randomKeys(
            count: count, distinct: distinct, asOf: state.sequence, using: &generator
        )
        .map(Key.init)
    }

    /// Keys of `collection` drawn uniformly at random with the system's generator.
    ///
    /// - Throws: see ``randomKeys(count:distinct:in:using:)``.
    public func randomKeys(count: Int, distinct: Bool, in collection: String) throws(EngineError) -> [Key] {
        var generator = SystemRandomNumberGenerator()
        return try randomKeys(count: count, distinct: distinct, in: collection, using: &generator)
    }
}
