import Testing

@testable import QuiverServer

#if canImport(Glibc)
import Glibc
#endif

@Suite struct TerminationSignalsTests {
    @Test func sigtermStopsTheDaemon() async throws {
        let server = try MetadataTestServer()
        let signals = TerminationSignals(daemon: server.daemon)
        kill(getpid(), SIGTERM)
        await server.daemon.waitUntilStopped()
        #expect(server.daemon.isStopping)
        signals.cancel()
        await server.close()
    }
}
