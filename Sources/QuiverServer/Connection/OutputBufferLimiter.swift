internal import NIOCore
internal import Logging

/// Disconnects a client whose unsent replies exceed the output buffer limit (Redis's hard
/// `client-output-buffer-limit normal`), so a client that sends commands and never reads the
/// replies costs bounded memory instead of growing the server without bound.
///
/// The channel already counts the bytes written to it and not yet taken by the kernel (its
/// pending writes); ``install(on:limit:logger:)`` sets the channel's high write-buffer water mark
/// to the limit, and the channel reports crossing it as a writability change, which this handler
/// answers by closing. So a write costs nothing extra here: no promise, no callback, no counter of
/// our own. Nothing else in the pipeline uses writability for back-pressure (Redis has none:
/// replies are buffered up to this limit).
final class OutputBufferLimiter: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private var limit: Int
    private let logger: Logger

    /// A limiter for `limit` bytes that logs its disconnects with `logger`.
    init(limit: Int, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    /// Sets `channel`'s water marks to `limit` (`Int.max`: no limit) and adds a limiter first in
    /// its pipeline.
    ///
    /// - Throws: When the channel is closed already.
    static func install(on channel: any Channel, limit: Int, logger: Logger) throws {
        try channel.syncOptions?.setOption(.writeBufferWaterMark, value: waterMarks(limit))
        try channel.pipeline.syncOperations.addHandler(OutputBufferLimiter(limit: limit, logger: logger), position: .first)
    }

    /// Changes the limit of `channel`'s limiter (`CONFIG SET client-output-buffer-limit`). The
    /// channel judges its writability when bytes are queued, so a client already over the new
    /// limit is disconnected when its next reply is. Runs on the channel's event loop.
    static func update(_ channel: any Channel, limit: Int, logger: Logger) {
        guard channel.isActive, let limiter = try? channel.pipeline.syncOperations.handler(type: OutputBufferLimiter.self),
            limiter.limit != limit
        else { return }
        limiter.limit = limit
        try? channel.syncOptions?.setOption(.writeBufferWaterMark, value: waterMarks(limit))
    }

    /// The channel becomes unwritable past `limit` pending bytes.
    private static func waterMarks(_ limit: Int) -> ChannelOptions.Types.WriteBufferWaterMark {
        ChannelOptions.Types.WriteBufferWaterMark(low: min(limit, 32 << 10), high: max(limit, 1))
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable {
            logger.info(
                "closing a client over the output buffer limit",
                metadata: ["address": "\(context.channel.remoteAddress?.description ?? "?")", "limit": "\(limit)"])
            context.close(promise: nil)
            return
        }
        context.fireChannelWritabilityChanged()
    }
}
