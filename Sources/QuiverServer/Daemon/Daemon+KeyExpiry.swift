internal import Quiver

/// The background reclaim of expired strings' memory. Readers never see an expired string
/// whether or not it ran (the strings table checks deadlines on every read); this frees what
/// nobody reads again.
///
/// Each pass calls ``Cache/purgeExpired()`` on every logical database's strings table (and lets
/// go of `SCAN` copies idle for a minute). A pass
/// walks the whole table under its lock, so passes are spaced to keep that below 1% of the
/// time: at least every ``interval``, and 100 times the last pass's duration apart.
final class KeyExpiryReclaim: Sendable {
    /// The shortest time between passes.
    static let interval: Duration = .milliseconds(100)

    private let task: Task<Void, Never>

    /// Starts passes over `daemon`'s keyspaces until ``stop()`` or until the daemon is gone.
    init(daemon: Daemon) {
        task = Task.detached(priority: .background) { [weak daemon] in
            var pause = Self.interval
            while !Task.isCancelled {
                try? await Task.sleep(for: pause)
                guard let daemon else { return }
                let started = ContinuousClock.now
                daemon.reclaimExpiredStrings()
                pause = max(Self.interval, (ContinuousClock.now - started) * 100)
            }
        }
    }

    /// Stops the passes.
    func stop() { task.cancel() }
}

extension Daemon {
    /// Starts the background reclaim of expired strings (once; later calls do nothing). The
    /// string commands start it when they first touch a strings table, and ``start()`` may start
    /// it up front.
    func startKeyExpiryReclaim() {
        keyspaces[0].withReclaimSlot { slot in
            if slot == nil { slot = KeyExpiryReclaim(daemon: self) }
        }
    }

    /// Stops the background reclaim (``stop()`` should, before closing the database).
    func stopKeyExpiryReclaim() {
        keyspaces[0].withReclaimSlot { slot in
            slot?.stop()
            slot = nil
        }
    }

    /// One pass: drops the expired strings of every logical database from memory; returns how
    /// many.
    @discardableResult
    func reclaimExpiredStrings() -> Int {
        let database = self.database
        var dropped = 0
        for keyspace in keyspaces {
            dropped += keyspace.existingStrings(in: database)?.purgeExpired() ?? 0
            keyspace.dropScanSnapshot(idleFor: .seconds(60))
        }
        return dropped
    }
}
