public import NIOCore

/// A `ByteToMessageDecoder` that turns a server's bytes into ``RESPValue`` replies with
/// ``RESPReplyParser``, for clients and end-to-end tests.
///
/// A malformed reply is thrown, so `ByteToMessageHandler` fires it through `errorCaught` after
/// the replies before it, and the connection should be closed.
public struct RESPReplyDecoder: ByteToMessageDecoder, Sendable {
    /// ``RESPValue``.
    public typealias InboundOut = RESPValue

    private var parser: RESPReplyParser

    /// Creates a decoder.
    ///
    /// - Parameter parser: A parser with the limits to apply; the defaults unless given.
    public init(parser: RESPReplyParser = RESPReplyParser()) {
        self.parser = parser
    }

    /// Emits at most one reply per call.
    ///
    /// - Parameters:
    ///   - context: The handler's context.
    ///   - buffer: The received bytes.
    /// - Returns: `.continue` after a reply, `.needMoreData` when the buffer holds none.
    /// - Throws: ``RESPError`` (``RESPError/Code/malformedReply``).
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let reply = try parser.next(in: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(reply))
        return .continue
    }

    /// Emits the complete replies left at EOF; a partial reply is dropped.
    ///
    /// - Parameters:
    ///   - context: The handler's context.
    ///   - buffer: The received bytes.
    ///   - seenEOF: Whether the peer closed its side.
    /// - Returns: As ``decode(context:buffer:)``.
    /// - Throws: ``RESPError`` (``RESPError/Code/malformedReply``).
    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        let state = try decode(context: context, buffer: &buffer)
        if case .needMoreData = state { buffer.moveReaderIndex(to: buffer.writerIndex) }
        return state
    }
}
