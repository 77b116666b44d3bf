extension VectorCollection {
    /// Number of live vectors, or 0 when the collection no longer exists (an error
    /// ``vectorCount()`` reports instead).
    @available(*, deprecated, renamed: "vectorCount()", message: "reads 0 when the collection was dropped; vectorCount() throws notFound")
    public var count: Int { (try? vectorCount()) ?? 0 }
}
