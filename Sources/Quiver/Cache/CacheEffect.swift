internal import QuiverEngine
internal import QuiverMetadata

/// A change a commit makes to a cache's in-memory table once the engine has published the write
/// (so a reader never sees an entry the log does not hold).
enum CacheEffect: Sendable {
    /// Store `value` under `key` until `deadline`; in a persistent cache, evicted keys are queued
    /// for durable removal. An entry over the table's byte bound alone is evicted at once.
    case store(CacheState, Key, [UInt8], deadline: Int64)
    /// Remove `key`.
    case remove(CacheTable, Key)

    /// Makes the change.
    func apply() {
        switch self {
        case .store(let cache, let key, let value, let deadline):
            guard let evicted = cache.table.storeEvicting(key, value, deadline: deadline) else {
                // Over the byte bound alone: evicted at once, so the key's old value must go too.
                cache.table.remove(key)
                if cache.configuration.persistent { cache.pendingEvictions.withLock { $0.append(key) } }
                return
            }
            if cache.configuration.persistent, !evicted.isEmpty { cache.pendingEvictions.withLock { $0.append(contentsOf: evicted) } }
        case .remove(let table, let key):
            table.remove(key)
        }
    }
}
