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

    private let limit: Int
    private let logger: Logger

    /// A limiter for `limit` bytes that logs its disconnects with `logger`.
    init(limit: Int, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    /// Sets `channel`'s water marks to `limit` and adds a limiter first in its pipeline; adds
    /// nothing when `limit` is `Int.max` (no limit).
    ///
    /// - Throws: When the channel is closed already.
    static func install(on channel: any Channel, limit: Int, logger: Logger) throws {
        guard limit < Int.max else { return }
        let marks = ChannelOptions.Types.WriteBufferWaterMark(low: min(limit, 32 << 10), high: max(limit, 1))
        try channel.syncOptions?.setOption(.writeBufferWaterMark, value: marks)
        try channel.pipeline.syncOperations.addHandler(OutputBufferLimiter(limit: limit, logger: logger), position: .first)
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
