import Testing

@testable import QuiverServer

#if canImport(Glibc)
import Glibc
#endif

@Suite struct TerminationSignalsTests {
    @Test func sigtermStopsTheDaemon() async throws {
        let server = try MetadataTestServer()
        let signals = TerminationSignals(daemon: server.daemon)
        // A signal source is registered asynchronously, and until then the ignored signal is
        // lost: send it again until the daemon notices (5 s at most).
        for _ in 0..<100 where !server.daemon.isStopping {
            kill(getpid(), SIGTERM)
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(server.daemon.isStopping)
        await server.daemon.waitUntilStopped()
        signals.cancel()
        await server.close()
    }
}
