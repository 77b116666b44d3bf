internal import Quiver

/// How commands join transactions: the extension points every family's write and read commands
/// use (docs/protocol.md, "Transactions", says which to use where).
extension CommandContext {
    /// The transaction `EXEC` is running this command in, `nil` outside `EXEC` (including
    /// while `MULTI` only queues). Writes go into its batch; reads consult it first.
    var transaction: TransactionContext? { TransactionRegistry.shared.running(daemon, connection.id) }

    /// Most attempts of a write whose reads conflict with concurrent writers.
    static let maximumAttempts = 16

    /// Runs `body` against a transaction and returns its result: inside `EXEC`, the `EXEC`'s
    /// (what `body` queues commits with the rest of the transaction); outside, one of its own,
    /// committed when `body` returns, and run again from the start when something `body` read
    /// changed before the commit.
    ///
    /// `body` must only queue writes through the transaction (never commit on its own), so that
    /// running it again is safe.
    func write<R>(_ body: (TransactionContext) throws(CommandError) -> R) throws(CommandError) -> R {
        if let transaction { return try body(transaction) }
        for _ in 0..<Self.maximumAttempts {
            let transaction = TransactionContext(daemon: daemon)
            let result = try body(transaction)
            let outcome: TransactionContext.CommitOutcome
            do { outcome = try transaction.commit(watches: []) } catch { throw .wrapping(error) }
            if case .committed = outcome {
                transaction.runAfterCommitHooks()
                return result
            }
        }
        throw .err("the write kept conflicting with concurrent writes; nothing was written")
    }

    /// Adds what `body` adds to a batch to the running transaction, or commits it at once
    /// outside one: the form for writes that need no read (`VREM` of a known element, say).
    /// `collections` are the collections it writes vectors to (searches of them later in the
    /// same transaction refuse to run); `afterCommit` runs once the batch is committed.
    func commitOrQueue(
        touching collections: [String] = [], _ body: (inout Batch) -> Void, afterCommit: (() -> Void)? = nil
    ) throws(CommandError) {
        if let transaction {
            transaction.queue(touching: collections, body)
            if let afterCommit { transaction.afterCommit(afterCommit) }
            return
        }
        do {
            try database.write { batch in body(&batch) }
        } catch {
            throw .wrapping(error)
        }
        afterCommit?()
    }

    /// ``Cache/update(_:_:)`` that joins the running transaction: inside `EXEC`, `body` sees
    /// each key's entry as the transaction sees it (its own earlier writes first) and the
    /// changes are queued; outside, it is `Cache.update` (the keys' locks held around `body`
    /// and the commit).
    func updateCache<R>(
        _ cache: Cache, _ keys: [Key],
        _ body: ([(value: [UInt8], deadline: Int64)?]) throws(CommandError) -> ([Cache.Change], R)
    ) throws(CommandError) -> R {
        if let transaction { return try transaction.updateCache(cache, keys, body) }
        var failure: CommandError?
        do {
            let result: R? = try cache.update(keys) { (entries) throws(QuiverError) -> ([Cache.Change], R?) in
                do throws(CommandError) {
                    let (changes, result) = try body(entries)
                    return (changes, result)
                } catch {
                    failure = error
                    return (keys.map { _ in .keep }, nil)
                }
            }
            if let failure { throw failure }
            return result!
        } catch let error as CommandError {
            throw error
        } catch {
            throw .wrapping(error)
        }
    }

    /// The live entry under `key` in `cache` as this command should see it: through the running
    /// transaction (its own writes first; recorded in its read set), else the committed entry.
    /// Counts no hit or miss.
    func cacheEntry(_ key: Key, in cache: Cache) -> CacheEntryValue? {
        if let transaction { return transaction.cacheEntry(key, in: cache) }
        return cache.peek(key).map { CacheEntryValue(value: $0.value, deadline: $0.deadline) }
    }

    /// The live value under `key` in `cache` (`GET`): through the running transaction, else
    /// ``Cache/get(_:)`` (counted as a hit or a miss).
    func cacheValue(_ key: Key, in cache: Cache) -> [UInt8]? {
        if let transaction { return transaction.cacheEntry(key, in: cache)?.value }
        return cache.get(key)
    }

    /// A snapshot for this command's listings and searches: the running transaction's, else a
    /// fresh one.
    var readSnapshot: DatabaseSnapshot { transaction?.snapshot ?? database.snapshot() }
}

extension CommandError {
    /// The reply for an error a database call threw: `ERR` and the message of a ``QuiverError``.
    static func wrapping(_ error: any Error) -> CommandError {
        switch error {
        case let error as CommandError: error
        case let error as QuiverError: .err(error.message)
        default: .err("\(error)")
        }
    }
}
