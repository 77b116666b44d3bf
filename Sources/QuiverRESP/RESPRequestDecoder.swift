public import NIOCore

/// A `ByteToMessageDecoder` that turns a client's bytes into ``RESPRequest``s with
/// ``RESPRequestParser``.
///
/// Install it as `ByteToMessageHandler(RESPRequestDecoder())`. After a protocol error it emits
/// ``RESPRequest/protocolError(_:)`` once and discards every later byte.
///
/// Arguments are slices of the handler's receive buffer, so no bytes are copied. A handler that
/// keeps them after its `channelRead` returns makes the next read copy that buffer (copy-on-write);
/// keep only what is needed, or copy it.
///
/// To change limits during a connection (Redis's tighter pre-`AUTH` caps), create the decoder
/// with a `NIOLoopBoundBox` the command handler also holds, and set its value when the
/// connection authenticates. The decoder reads the box before each step, and commands reach the
/// next handler synchronously, so a command handler that processes `AUTH` in its `channelRead`
/// has the new limits in force for the very next command, as Redis's one-command look-ahead
/// before authentication gives.
public struct RESPRequestDecoder: ByteToMessageDecoder, Sendable {
    /// ``RESPRequest``.
    public typealias InboundOut = RESPRequest

    private var parser: RESPRequestParser
    private let sharedLimits: NIOLoopBoundBox<RESPRequestLimits>?
    private var failed = false

    /// Creates a decoder with fixed limits.
    ///
    /// - Parameter limits: The limits to enforce; Redis's defaults unless given.
    public init(limits: RESPRequestLimits = .redisDefaults) {
        self.parser = RESPRequestParser(limits: limits)
        self.sharedLimits = nil
    }

    /// Creates a decoder whose limits a handler on the same event loop can change.
    ///
    /// - Parameter sharedLimits: The limits, read before each command is parsed further.
    public init(sharedLimits: NIOLoopBoundBox<RESPRequestLimits>) {
        self.parser = RESPRequestParser(limits: sharedLimits.value)
        self.sharedLimits = sharedLimits
    }

    /// Whether no partial command is buffered (`false` at EOF means the client hung up
    /// mid-command).
    public var isIdle: Bool { parser.isIdle }

    /// Emits at most one request per call.
    ///
    /// - Parameters:
    ///   - context: The handler's context.
    ///   - buffer: The received bytes.
    /// - Returns: `.continue` after a request, `.needMoreData` when the buffer holds none.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) -> DecodingState {
        guard !failed else {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        if let sharedLimits { parser.limits = sharedLimits.value }
        do {
            guard let command = try parser.next(in: &buffer) else { return .needMoreData }
            context.fireChannelRead(Self.wrapInboundOut(.command(command)))
            return .continue
        } catch {
            failed = true
            buffer.moveReaderIndex(to: buffer.writerIndex)
            context.fireChannelRead(Self.wrapInboundOut(.protocolError(error)))
            return .needMoreData
        }
    }

    /// Emits the complete commands left at EOF; a partial command is dropped, as Redis drops it.
    ///
    /// - Parameters:
    ///   - context: The handler's context.
    ///   - buffer: The received bytes.
    ///   - seenEOF: Whether the peer closed its side.
    /// - Returns: As ``decode(context:buffer:)``.
    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) -> DecodingState {
        let state = decode(context: context, buffer: &buffer)
        if case .needMoreData = state { buffer.moveReaderIndex(to: buffer.writerIndex) }
        return state
    }
}
