internal import NIOCore
internal import NIOPosix
internal import NIOHTTP1
internal import Synchronization
internal import Quiver
internal import QuiverIndex
internal import Logging

/// What a ``Daemon`` runs beside its Redis listeners: the HTTP endpoint for metrics and health
/// checks, the idle-client timer, and the readiness those checks report.
final class DaemonOperations: Sendable {
    /// How often idle clients are looked for (Redis's `clientsCron` checks about as often).
    static let idleCheckInterval: TimeAmount = .seconds(1)

    private let listening = Atomic<Bool>(false)
    private let httpChannels = Locked<[any Channel]>([])
    private let idleTimer = Locked<RepeatedTask?>(nil)

    /// Nothing running yet.
    init() {}

    /// Whether the Redis listeners are bound and the server has not begun to stop.
    var isListening: Bool { listening.load(ordering: .acquiring) }

    /// Starts the HTTP endpoint (when ``ServerConfiguration/metricsPort`` is set, on every bind
    /// address) and the idle timer, then reports the server ready. Call once the listeners are
    /// bound.
    ///
    /// - Returns: The bound HTTP ports.
    /// - Throws: When an HTTP port cannot be bound.
    @discardableResult
    func start(for daemon: Daemon) async throws -> [Int] {
        var ports: [Int] = []
        if let port = daemon.configuration.metricsPort {
            for address in daemon.configuration.bindAddresses {
                let channel = try await ServerBootstrap(group: daemon.group)
                    .serverChannelOption(.backlog, value: 64)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                            try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(daemon: daemon))
                        }
                    }
                    .bind(host: address, port: port)
                    .get()
                httpChannels.withLock { $0.append(channel) }
                ports.append(channel.localAddress?.port ?? port)
                daemon.logger.info("metrics and health endpoint listening", metadata: ["address": "\(address)", "port": "\(ports.last!)"])
            }
        }
        let timer = daemon.group.next().scheduleRepeatedTask(
            initialDelay: Self.idleCheckInterval, delay: Self.idleCheckInterval
        ) { [weak daemon] _ in
            daemon?.closeIdleClients()
        }
        idleTimer.withLock { $0 = timer }
        listening.store(true, ordering: .releasing)
        return ports
    }

    /// Reports the server not ready and stops the idle timer; the HTTP endpoint keeps answering
    /// (`/health/ready` with 503) until ``stop()``.
    func stopAccepting() {
        listening.store(false, ordering: .releasing)
        idleTimer.withLock { timer in
            timer?.cancel()
            timer = nil
        }
    }

    /// Closes the HTTP endpoint.
    func stop() async {
        stopAccepting()
        let channels = httpChannels.withLock { channels in
            defer { channels = [] }
            return channels
        }
        for channel in channels { try? await channel.close() }
    }
}

extension Daemon {
    /// Whether the server accepts clients: the database is open, the listeners are bound, and it
    /// is not stopping (`/health/ready`).
    var isReady: Bool { operations.isListening && !isStopping }

    /// Disconnects the clients idle longer than the `timeout` setting (none when it is 0): no
    /// command for that many seconds since their last one, or since they connected.
    ///
    /// - Returns: How many were disconnected.
    /// - Complexity: O(*n* log *n*) in the connected clients.
    @discardableResult
    func closeIdleClients() -> Int {
        let timeout = settings.withLock { $0.idleTimeoutSeconds }
        guard timeout > 0 else { return 0 }
        let now = database.configuration.wallClock()
        var closed = 0
        for client in clients.states where now - client.lastInteraction > Int64(timeout) * 1000 {
            guard clients.kill(client.id) else { continue }
            closed += 1
            logger.debug("closing idle client", metadata: ["client": "\(client.id)", "address": "\(client.address)"])
        }
        return closed
    }
}
