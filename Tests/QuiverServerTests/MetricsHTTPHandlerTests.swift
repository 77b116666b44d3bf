import NIOHTTP1
import Testing

@testable import QuiverServer

@Suite struct MetricsHTTPHandlerTests {
    @Test func routes() async throws {
        let server = try MetadataTestServer()
        let daemon = server.daemon
        daemon.statistics.recordCommand("ping", microseconds: 5)
        #expect(MetricsHTTPHandler.response(method: .GET, uri: "/health/live", daemon: daemon).status == .ok)
        // Not started: the listeners are not bound, so not ready.
        #expect(MetricsHTTPHandler.response(method: .GET, uri: "/health/ready", daemon: daemon).status == .serviceUnavailable)
        let metrics = MetricsHTTPHandler.response(method: .GET, uri: "/metrics?x=1", daemon: daemon)
        #expect(metrics.status == .ok)
        #expect(metrics.contentType == PrometheusExposition.contentType)
        #expect(metrics.body.contains("quiverd_commands_total{command=\"ping\"} 1\n"))
        #expect(metrics.body.contains("quiverd_connected_clients 0\n"))
        #expect(MetricsHTTPHandler.response(method: .HEAD, uri: "/metrics", daemon: daemon).status == .ok)
        #expect(MetricsHTTPHandler.response(method: .GET, uri: "/", daemon: daemon).status == .notFound)
        #expect(MetricsHTTPHandler.response(method: .POST, uri: "/metrics", daemon: daemon).status == .methodNotAllowed)
        await server.close()
    }
}
