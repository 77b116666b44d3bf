/// One neighbour found by a search: an internal id and its distance to the query.
public struct SearchResult: Sendable, Hashable {
    /// The internal id the index assigned when the vector was added.
    public var id: UInt32
    /// The distance under the index's metric; smaller is closer.
    public var distance: Float

    /// Creates a result.
    public init(id: UInt32, distance: Float) {
        self.id = id
        self.distance = distance
    }
}
