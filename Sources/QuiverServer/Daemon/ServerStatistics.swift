internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Counters of the whole server: connections, and calls and latency per command (`INFO stats`,
/// `INFO commandstats`, the Prometheus metrics).
///
/// Recording a command runs once per command at hundreds of thousands of commands a second on
/// every event loop, so it takes no lock and hashes no string: each command name has a fixed
/// integer slot (``slot(of:)``, a table built once from ``CommandTable``), and each slot has a
/// latency histogram of relaxed atomic counters. The counters are kept in ``shardCount`` copies
/// chosen by the recording thread, so event loops counting the same command do not contend for one
/// cache line; readers add the copies up. A command's call count is its histogram's total.
final class ServerStatistics: Sendable {
    // MARK: Layout

    /// Upper bounds of the latency buckets, in nanoseconds: 10 µs to 1 s; a last bucket holds the
    /// slower commands.
    static let latencyBucketBounds: [Int] = [
        10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000,
        50_000_000, 100_000_000, 250_000_000, 500_000_000, 1_000_000_000,
    ]
    /// Buckets per histogram: the bounds plus the overflow bucket.
    static let bucketCount = latencyBucketBounds.count + 1
    /// Counters per slot and shard: the buckets, then the sum of nanoseconds.
    private static let stride = bucketCount + 1
    /// Copies of the counters; a power of two.
    static let shardCount = 8

    /// The lower-case names of every command and subcommand (`get`, `config|get`), by slot; the
    /// last slot, `other`, counts names outside the table.
    static let commandNames: [String] = {
        var names: [String] = []
        for spec in CommandTable.all.values {
            names.append(spec.lowercasedName)
            names += spec.subcommands.map(\.lowercasedName)
        }
        return Set(names).sorted() + ["other"]
    }()
    /// Slot by lower-case name.
    private static let slots: [String: Int] = Dictionary(
        uniqueKeysWithValues: commandNames.enumerated().map { ($0.element, $0.offset) })

    /// The slot of command `name` (lower-case, as ``CommandSpec/lowercasedName``): look it up
    /// once and record with ``recordCommand(slot:nanoseconds:)``.
    static func slot(of name: String) -> Int { slots[name] ?? commandNames.count - 1 }

    // MARK: Storage

    private let counters: AtomicCounters
    private let connectionsReceivedCount = Atomic<Int>(0)
    private let rejectedConnectionsCount = Atomic<Int>(0)

    /// Zeroed counters.
    init() {
        counters = AtomicCounters(count: Self.shardCount * Self.commandNames.count * Self.stride)
    }

    // MARK: Recording

    /// Counts an accepted connection.
    func connectionReceived() { connectionsReceivedCount.wrappingAdd(1, ordering: .relaxed) }
    /// Counts a refused connection (`maxclients`, protected mode).
    func connectionRejected() { rejectedConnectionsCount.wrappingAdd(1, ordering: .relaxed) }

    /// Counts one call of the command in `slot` that took `nanoseconds`.
    ///
    /// - Precondition: `slot` came from ``slot(of:)``.
    /// - Complexity: Two relaxed atomic additions and at most 17 comparisons.
    @inline(__always)
    func recordCommand(slot: Int, nanoseconds: Int) {
        precondition(slot >= 0 && slot < Self.commandNames.count, "command slot out of range")
        var bucket = 0
        while bucket < Self.latencyBucketBounds.count, nanoseconds > Self.latencyBucketBounds[bucket] { bucket += 1 }
        let base = (Self.currentShard() * Self.commandNames.count + slot) * Self.stride
        counters.add(1, at: base + bucket)
        counters.add(max(0, nanoseconds), at: base + Self.bucketCount)
    }

    /// Counts one call of command `name` (lower-case) that took `microseconds`; prefer
    /// ``recordCommand(slot:nanoseconds:)`` on hot paths, which skips the name's lookup.
    func recordCommand(_ name: String, microseconds: Int) {
        recordCommand(slot: Self.slot(of: name), nanoseconds: microseconds &* 1000)
    }

    /// The shard of the calling thread: its `pthread_self()` hashed (Fibonacci hashing), so
    /// each event loop thread keeps to one shard. Two threads sharing one only contend.
    @inline(__always)
    private static func currentShard() -> Int {
        #if canImport(Darwin)
        let thread = UInt64(UInt(bitPattern: pthread_self()))
        #else
        let thread = UInt64(pthread_self())
        #endif
        return Int(truncatingIfNeeded: (thread &* 0x9E37_79B9_7F4A_7C15) >> 61) & (shardCount - 1)
    }

    // MARK: Reading

    /// Connections accepted since start.
    var connectionsReceived: Int { connectionsReceivedCount.load(ordering: .relaxed) }
    /// Connections refused since start.
    var rejectedConnections: Int { rejectedConnectionsCount.load(ordering: .relaxed) }

    /// One command's figures since start.
    struct CommandFigures: Sendable, Hashable {
        /// The lower-case name.
        var name: String
        /// Calls per latency bucket (not cumulative), ``ServerStatistics/bucketCount`` of them.
        var buckets: [Int]
        /// Total time, in nanoseconds.
        var nanoseconds: Int
        /// Calls.
        var calls: Int { buckets.reduce(0, +) }
    }

    /// The figures of every command called at least once, by name.
    ///
    /// - Complexity: O(*c*) in the commands of the table.
    var commands: [CommandFigures] {
        var figures: [CommandFigures] = []
        for slot in Self.commandNames.indices {
            var buckets = [Int](repeating: 0, count: Self.bucketCount)
            var nanoseconds = 0
            for shard in 0..<Self.shardCount {
                let base = (shard * Self.commandNames.count + slot) * Self.stride
                for bucket in 0..<Self.bucketCount { buckets[bucket] &+= counters.load(at: base + bucket) }
                nanoseconds &+= counters.load(at: base + Self.bucketCount)
            }
            if buckets.contains(where: { $0 != 0 }) {
                figures.append(CommandFigures(name: Self.commandNames[slot], buckets: buckets, nanoseconds: nanoseconds))
            }
        }
        return figures
    }

    /// Commands processed since start.
    var commandsProcessed: Int { commands.reduce(0) { $0 + $1.calls } }

    /// Calls and total microseconds by command name, for commands called at least once
    /// (`INFO commandstats`).
    var perCommand: [String: (calls: Int, microseconds: Int)] {
        var table: [String: (calls: Int, microseconds: Int)] = [:]
        for figures in commands { table[figures.name] = (figures.calls, figures.nanoseconds / 1000) }
        return table
    }
}

/// A fixed array of `Atomic<Int>`, allocated once and freed with its owner.
private final class AtomicCounters: Sendable {
    // Only `Atomic` operations touch the storage after `init`, which is what makes sharing safe.
    nonisolated(unsafe) private let storage: UnsafeMutablePointer<Atomic<Int>>
    private let count: Int

    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        for index in 0..<count { (storage + index).initialize(to: Atomic(0)) }
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    @inline(__always)
    func add(_ value: Int, at index: Int) {
        assert(index >= 0 && index < count)
        storage[index].wrappingAdd(value, ordering: .relaxed)
    }

    @inline(__always)
    func load(at index: Int) -> Int {
        assert(index >= 0 && index < count)
        return storage[index].load(ordering: .relaxed)
    }
}
