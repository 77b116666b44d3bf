internal import HashTreeCollections

/// Everything a reader sees, as of one log sequence number: the collections and tables with
/// their memtables' maps and their immutable parts.
///
/// A value: the engine publishes a new one for every write (in log order) and every switch of a
/// flush or compaction; a reader that took one keeps reading it, unaffected by later writes.
struct DatabaseState: Sendable {
    /// The last write this state includes.
    var sequence: UInt64
    /// Persistent maps: publishing a change to one collection copies O(log n) of them, not all.
    var collections: TreeDictionary<String, CollectionView>
    var tables: TreeDictionary<String, TableView>
    /// Approximate bytes the memtables took since the last flush, for the flush threshold
    /// (kept here so a write need not add up every collection and table).
    var memtableBytes = 0

    func collection(_ name: String) throws(EngineError) -> CollectionView {
        guard let view = collections[name] else { throw EngineError(.notFound, "no collection named \(name)") }
        return view
    }

    func table(_ name: String) throws(EngineError) -> TableView {
        guard let view = tables[name] else { throw EngineError(.notFound, "no table named \(name)") }
        return view
    }
}
