import NIOCore
import Quiver
import QuiverIndex
import NIOEmbedded
import Testing

@testable import QuiverServer

@Suite struct DaemonOperationsTests {
    @Test func idleClientsAreClosedOnlyWithATimeout() async throws {
        let server = try MetadataTestServer()
        let daemon = server.daemon
        let now = daemon.database.configuration.wallClock()
        let idle = EmbeddedChannel()
        let busy = EmbeddedChannel()
        try await idle.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        try await busy.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).get()
        let idleState = ConnectionState(id: 1, address: "127.0.0.1:1", isLoopback: true, connectedAt: now - 5000, lastInteraction: now - 5000)
        let busyState = ConnectionState(id: 2, address: "127.0.0.1:2", isLoopback: true, connectedAt: now - 5000, lastInteraction: now)
        daemon.clients.register(idleState, channel: idle)
        daemon.clients.register(busyState, channel: busy)

        #expect(daemon.closeIdleClients() == 0)  // timeout 0: never
        daemon.settings.withLock { $0.idleTimeoutSeconds = 2 }
        #expect(daemon.closeIdleClients() == 1)
        #expect(!idle.isActive)
        #expect(busy.isActive)
        daemon.clients.unregister(1)
        daemon.clients.unregister(2)
        await server.close()
    }

    @Test func readinessFollowsStartAndStop() async throws {
        let operations = DaemonOperations()
        #expect(!operations.isListening)
        operations.stopAccepting()
        #expect(!operations.isListening)
    }
}
