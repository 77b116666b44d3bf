internal import QuiverEngine
internal import QuiverMetadata

/// A change a commit makes to a cache's in-memory table once the engine has published the write
/// (so a reader never sees an entry the log does not hold).
enum CacheEffect: Sendable {
    /// Store a run of entries, in order, under one lock of the table; in a persistent cache,
    /// evicted keys are queued for durable removal. An entry over the table's byte bound alone
    /// is evicted at once (its key's old value with it).
    case store(CacheState, [CacheTable.PendingStore])
    /// Remove `key`.
    case remove(CacheTable, Key)

    /// Makes the change.
    func apply() {
        switch self {
        case .store(let cache, let run):
            let evicted = cache.table.storeEvicting(run)
            if cache.configuration.persistent, !evicted.isEmpty { cache.pendingEvictions.withLock { $0.append(contentsOf: evicted) } }
        case .remove(let table, let key):
            table.remove(key)
        }
    }
}
