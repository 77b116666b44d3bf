/// Decides which visited nodes may enter a search's results. Traversal passes through all nodes;
/// only results are filtered. Conformers are this module's own; do not add others.
protocol NodeFilter {
    func accepts(_ id: UInt32) -> Bool
}

/// Accepts every node: used while the index has no deleted vectors.
struct AcceptAllFilter: NodeFilter {
    @inline(__always) func accepts(_ id: UInt32) -> Bool { true }
}

/// Accepts live nodes only.
struct LiveFilter: NodeFilter {
    let index: HNSWIndex
    @inline(__always) func accepts(_ id: UInt32) -> Bool { index.state(of: id) == .live }
}

/// Accepts live nodes that a caller's predicate accepts.
struct PredicateFilter: NodeFilter {
    let index: HNSWIndex
    let predicate: (UInt32) -> Bool
    @inline(__always) func accepts(_ id: UInt32) -> Bool { index.state(of: id) == .live && predicate(id) }
}
