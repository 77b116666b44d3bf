internal import Quiver
internal import QuiverIndex
internal import QuiverRESP
internal import NIOCore
internal import Synchronization
internal import NIOPosix
public import Logging

/// A `quiverd` server: the Redis protocol over one ``Database``, on SwiftNIO.
///
/// ``start()`` opens the database and binds the listeners; ``waitUntilStopped()`` returns once a
/// `SHUTDOWN`, a signal or ``stop()`` has stopped accepting, finished in-flight commands, and
/// closed the database (flushing it).
public final class Daemon: Sendable {
    /// The settings the server runs with (`CONFIG SET` changes the runtime copy, ``settings``).
    public let configuration: ServerConfiguration
    let logger: Logger
    private let databaseReference: PublishedReference<Database>
    /// Held while `DEBUG RELOAD` replaces the database.
    private let reloading = Locked(())
    let keyspaces: [LogicalDatabase] = (0..<16).map(LogicalDatabase.init)
    let vectorSets = VectorSetRegistry()
    let clients = ClientRegistry()
    let statistics = ServerStatistics()
    /// The metrics and health endpoint, the idle-client timer, readiness.
    let operations = DaemonOperations()
    /// Settings that `CONFIG SET` may change while the server runs.
    let settings: Locked<RuntimeSettings>
    /// `maxmemory` as every write checks it, without the settings lock (``settings`` holds the
    /// same value; `CONFIG SET` changes both).
    let maxMemoryLimit: Atomic<Int>
    let group: MultiThreadedEventLoopGroup
    private let channels = Locked<[any Channel]>([])
    /// The threads `VSIM` searches run on (``ServerConfiguration/searchThreads``), started by
    /// ``start()``: a daemon driven without listeners (tests) searches on the caller's thread.
    private let searchPoolState = Locked<NIOThreadPool?>(nil)
    /// Searches handed to the search threads and not answered yet (``stop()`` waits for them).
    let searchesInFlight = Atomic(0)
    private let stopState = Locked<(stopping: Bool, finished: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, false, []))
    /// Wall-clock milliseconds when the server started.
    let startedAt: Int64
    /// A random 40-hex-digit id of this run (`INFO server run_id`).
    let runID: String

    /// The database the server runs on.
    var database: Database { databaseReference.object }

    /// Changes when `DEBUG RELOAD` replaces ``database`` (see ``PublishedReference/identity``).
    var databaseIdentity: UInt { databaseReference.identity }

    /// The group commit of each event loop's connections, by event loop.
    private let committers = Locked<[ObjectIdentifier: BurstCommitter]>([:])

    /// The group commit of the connections of `eventLoop` (one per loop, made on first use).
    func burstCommitter(for eventLoop: any EventLoop) -> BurstCommitter {
        committers.withLock { committers in
            let id = ObjectIdentifier(eventLoop)
            if let existing = committers[id] { return existing }
            let made = BurstCommitter(eventLoop: eventLoop)
            committers[id] = made
            return made
        }
    }

    /// Whether ``stop()`` has begun.
    var isStopping: Bool { stopState.withLock { $0.stopping } }

    /// Opens the database in `configuration.directory`.
    ///
    /// - Throws: ``QuiverError`` when the directory cannot be opened (locked by another process,
    ///   damaged, written by a newer version).
    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "quiverd")) throws {
        self.configuration = configuration
        self.logger = logger
        let database = try Database.open(at: configuration.directory, configuration: Self.databaseConfiguration(configuration))
        databaseReference = PublishedReference(database)
        settings = Locked(RuntimeSettings(configuration))
        maxMemoryLimit = Atomic(configuration.maxMemoryBytes)
        group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.ioThreads)
        startedAt = database.configuration.wallClock()
        runID = (0..<40).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
        try vectorSets.load(from: database)
    }

    static func databaseConfiguration(_ configuration: ServerConfiguration) -> DatabaseConfiguration {
        var database = DatabaseConfiguration()
        database.durability = configuration.durability
        return database
    }

    // MARK: Running

    /// Binds every listen address and starts accepting clients.
    ///
    /// - Returns: The bound ports, in the order of ``ServerConfiguration/bindAddresses`` (useful
    ///   with port 0).
    @discardableResult
    public func start() async throws -> [Int] {
        if configuration.searchThreads > 0 {
            // Before the listeners: every connection finds the pool when it becomes active.
            let pool = NIOThreadPool(numberOfThreads: configuration.searchThreads)
            pool.start()
            searchPoolState.withLock { $0 = pool }
        }
        var ports: [Int] = []
        for address in configuration.bindAddresses {
            let daemon = self
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 511)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try ConnectionHandler.install(on: channel, daemon: daemon)
                    }
                }
                .bind(host: address, port: configuration.port)
                .get()
            channels.withLock { $0.append(channel) }
            ports.append(channel.localAddress?.port ?? configuration.port)
            logger.info("listening", metadata: ["address": "\(address)", "port": "\(ports.last!)"])
        }
        startKeyExpiryReclaim()
        try await operations.start(for: self)
        logger.info("ready to accept connections", metadata: ["dir": "\(configuration.directory)"])
        return ports
    }

    /// Stops accepting, lets in-flight commands finish, closes the database, and wakes
    /// ``waitUntilStopped()``. Safe to call more than once.
    public func stop() async {
        let first = stopState.withLock { state -> Bool in
            guard !state.stopping else { return false }
            state.stopping = true
            return true
        }
        guard first else {
            await waitUntilStopped()
            return
        }
        logger.info("stopping: no new clients, closing connections, flushing")
        operations.stopAccepting()
        let listeners = channels.withLock { $0 }
        for channel in listeners { try? await channel.close() }
        await clients.closeAll()
        // A search still running reads the database; its connection is closed, so its reply is dropped.
        while searchesInFlight.load(ordering: .acquiring) > 0 { try? await Task.sleep(for: .milliseconds(1)) }
        stopKeyExpiryReclaim()
        do { try database.close() } catch { logger.error("closing the database failed", metadata: ["error": "\(error)"]) }
        let waiters = stopState.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        await operations.stop()
        for waiter in waiters { waiter.resume() }
        logger.info("stopped")
    }

    /// Returns once the server has stopped.
    public func waitUntilStopped() async {
        await withCheckedContinuation { continuation in
            let finished = stopState.withLock { state -> Bool in
                if state.finished { return true }
                state.waiters.append(continuation)
                return false
            }
            if finished { continuation.resume() }
        }
    }

    /// Releases the event loop threads; call after ``waitUntilStopped()``.
    public func shutdownEventLoops() async {
        let pool = searchPoolState.withLock { pool in
            defer { pool = nil }
            return pool
        }
        try? await pool?.shutdownGracefully()
        try? await group.shutdownGracefully()
    }

    /// The threads `VSIM` searches run on, once ``start()`` started them; `nil` when searches run
    /// on the event loops.
    var searchPool: NIOThreadPool? { searchPoolState.withLock { $0 } }

    /// Replaces the database by a fresh open of the same directory (`DEBUG RELOAD`): everything
    /// is flushed and closed first, so the reopened state is exactly what is on disk.
    func reloadDatabase() throws(CommandError) {
        try reloading.withLock { () throws(CommandError) in
            do {
                try database.close()
                let reopened = try Database.open(at: configuration.directory, configuration: Self.databaseConfiguration(configuration))
                databaseReference.publish(reopened)
                try vectorSets.load(from: reopened)
            } catch {
                throw CommandError.err("reload failed: \(error)")
            }
        }
    }
}

/// The settings `CONFIG SET` may change at run time.
struct RuntimeSettings: Sendable {
    var requirePassword: String?
    var maxClients: Int
    var idleTimeoutSeconds: Int
    var maxMemoryBytes: Int
    var protectedMode: Bool
    /// `client-query-buffer-limit`: most unparsed bytes a client may leave (every connection reads it).
    var maxQueryBufferBytes: Int
    /// `client-output-buffer-limit normal`'s hard limit: unsent replies per client (`Int.max`:
    /// none); applied to every connection when it changes.
    var maxOutputBufferBytes: Int

    init(_ configuration: ServerConfiguration) {
        requirePassword = configuration.requirePassword
        maxClients = configuration.maxClients
        idleTimeoutSeconds = configuration.idleTimeoutSeconds
        maxMemoryBytes = configuration.maxMemoryBytes
        protectedMode = configuration.protectedMode
        maxQueryBufferBytes = configuration.maxQueryBufferBytes
        maxOutputBufferBytes = configuration.maxOutputBufferBytes
    }
}

/// The connected clients, for `CLIENT LIST`, `INFO clients`, `maxclients` and shutdown.
final class ClientRegistry: Sendable {
    private struct Entry {
        var state: ConnectionState
        var channel: any Channel
    }

    private let entries = Locked<[UInt64: Entry]>([:])
    private let nextID = Locked<UInt64>(0)

    func newID() -> UInt64 {
        nextID.withLock { id in
            id += 1
            return id
        }
    }

    var count: Int { entries.withLock { $0.count } }

    func register(_ state: ConnectionState, channel: any Channel) {
        entries.withLock { $0[state.id] = Entry(state: state, channel: channel) }
    }

    func update(_ state: ConnectionState) { entries.withLock { $0[state.id]?.state = state } }

    func unregister(_ id: UInt64) { _ = entries.withLock { $0.removeValue(forKey: id) } }

    /// Applies the output buffer limit `settings` hold to every connected client, each on its
    /// event loop, reading the limit there (so that of two `CONFIG SET`s the later one wins on
    /// every connection). A client over it is disconnected when its next reply is queued.
    func applyOutputBufferLimit(settings: Locked<RuntimeSettings>, logger: Logger) {
        let channels = entries.withLock { $0.values.map(\.channel) }
        for channel in channels { applyOutputBufferLimit(to: channel, settings: settings, logger: logger) }
    }

    /// ``applyOutputBufferLimit(settings:logger:)`` for one connection.
    func applyOutputBufferLimit(to channel: any Channel, settings: Locked<RuntimeSettings>, logger: Logger) {
        channel.eventLoop.execute {
            OutputBufferLimiter.update(channel, limit: settings.withLock { $0.maxOutputBufferBytes }, logger: logger)
        }
    }

    /// Every client's state, by id.
    var states: [ConnectionState] { entries.withLock { $0.values.map(\.state).sorted { $0.id < $1.id } } }

    /// Closes the connection of client `id`; returns whether there was one.
    /// The entry goes at once, so that a `CLIENT LIST` right after `CLIENT KILL` no longer shows
    /// the client while its channel closes on its own event loop.
    func kill(_ id: UInt64) -> Bool {
        guard let channel = entries.withLock({ $0.removeValue(forKey: id)?.channel }) else { return false }
        channel.close(promise: nil)
        return true
    }

    func closeAll() async {
        let channels = entries.withLock { $0.values.map(\.channel) }
        for channel in channels { try? await channel.close() }
    }
}
