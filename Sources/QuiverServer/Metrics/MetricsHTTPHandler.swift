internal import NIOCore
internal import NIOHTTP1
internal import Logging

/// Serves the operations endpoints over HTTP/1.1: `GET /metrics` (Prometheus text format),
/// `GET /health/live` (200 while the process runs) and `GET /health/ready` (200 while the server
/// accepts clients, 503 before and while it stops). Anything else is 404, a method other than
/// `GET` or `HEAD` 405.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// A response before it is written.
    struct Response: Sendable, Hashable {
        /// The status.
        var status: HTTPResponseStatus
        /// The `Content-Type`.
        var contentType = "text/plain; charset=utf-8"
        /// The body.
        var body: String
    }

    private let daemon: Daemon
    private var head: HTTPRequestHead?

    /// A handler answering from `daemon`.
    init(daemon: Daemon) { self.daemon = daemon }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context, to: head)
        }
    }

    /// The response to `method` on `uri` (the query string is ignored).
    static func response(method: HTTPMethod, uri: String, daemon: Daemon) -> Response {
        guard method == .GET || method == .HEAD else { return Response(status: .methodNotAllowed, body: "method not allowed\n") }
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        switch path {
        case "/metrics":
            return Response(status: .ok, contentType: PrometheusExposition.contentType, body: daemon.metricsExposition())
        case "/health/live":
            return Response(status: .ok, body: "live\n")
        case "/health/ready":
            return daemon.isReady
                ? Response(status: .ok, body: "ready\n") : Response(status: .serviceUnavailable, body: "not ready\n")
        default:
            return Response(status: .notFound, body: "not found; try /metrics, /health/live or /health/ready\n")
        }
    }

    private func respond(_ context: ChannelHandlerContext, to request: HTTPRequestHead) {
        let response = Self.response(method: request.method, uri: request.uri, daemon: daemon)
        var body = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        body.writeString(response.body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        var head = HTTPResponseHead(version: request.version, status: response.status, headers: headers)
        head.headers.add(name: "Cache-Control", value: "no-store")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        let channel = context.channel
        if !keepAlive { written.whenComplete { _ in channel.close(promise: nil) } }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        daemon.logger.debug("metrics connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
