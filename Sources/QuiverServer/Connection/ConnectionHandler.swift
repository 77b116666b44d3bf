internal import NIOCore
internal import Quiver
internal import QuiverIndex
internal import QuiverRESP
internal import Logging

/// The last handler of a client's pipeline: runs each decoded command in order and writes its
/// reply, flushing once per read burst (so a pipeline of commands costs one write).
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = RESPRequest
    typealias OutboundOut = ByteBuffer

    let daemon: Daemon
    var state: ConnectionState
    private var output: ByteBuffer
    private var closing = false

    init(daemon: Daemon, state: ConnectionState, allocator: ByteBufferAllocator) {
        self.daemon = daemon
        self.state = state
        output = allocator.buffer(capacity: 4096)
    }

    /// Adds the decoder and a handler for `daemon` to a new client's pipeline, with the limits of
    /// its configuration: bulk length in the decoder, query buffer (`ByteToMessageHandler`'s
    /// maximum buffer size: unparsed bytes over it close the connection), output buffer
    /// (``OutputBufferLimiter``).
    static func install(on channel: any Channel, daemon: Daemon) throws {
        let now = daemon.database.configuration.wallClock()
        let remote = channel.remoteAddress
        let state = ConnectionState(
            id: daemon.clients.newID(), address: remote.map(Self.describe) ?? "unknown", isLoopback: remote.map(Self.isLoopback) ?? true,
            connectedAt: now, lastInteraction: now)
        var limits = RESPRequestLimits.redisDefaults
        limits.maxBulkLength = daemon.configuration.maxBulkLength
        if daemon.settings.withLock({ $0.requirePassword }) != nil { limits.unauthenticated = RESPRequestLimits.Unauthenticated() }
        let handler = ConnectionHandler(daemon: daemon, state: state, allocator: channel.allocator)
        let decoder = RESPRequestDecoder(limits: limits)
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(decoder, maximumBufferSize: daemon.configuration.maxQueryBufferBytes))
        try channel.pipeline.syncOperations.addHandler(handler)
        try OutputBufferLimiter.install(on: channel, limit: daemon.configuration.maxOutputBufferBytes, logger: daemon.logger)
    }

    static func describe(_ address: SocketAddress) -> String {
        "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
    }

    static func isLoopback(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4: address.ipAddress?.hasPrefix("127.") ?? false
        case .v6: address.ipAddress == "::1" || (address.ipAddress?.hasPrefix("::ffff:127.") ?? false)
        case .unixDomainSocket: true
        }
    }

    // MARK: Lifecycle

    func channelActive(context: ChannelHandlerContext) {
        daemon.statistics.connectionReceived()
        let settings = daemon.settings.withLock { $0 }
        if daemon.clients.count >= settings.maxClients {
            daemon.statistics.connectionRejected()
            refuse(context, "-ERR max number of clients reached\r\n")
            return
        }
        if settings.protectedMode, settings.requirePassword == nil, !state.isLoopback {
            daemon.statistics.connectionRejected()
            refuse(context, Self.protectedModeMessage)
            return
        }
        if settings.requirePassword == nil { state.user = "default" }
        daemon.clients.register(state, channel: context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        daemon.clients.unregister(state.id)
        context.fireChannelInactive()
    }

    private func refuse(_ context: ChannelHandlerContext, _ message: String) {
        closing = true
        daemon.logger.info("refused a client", metadata: ["address": "\(state.address)", "reason": "\(message.dropFirst().prefix(40))"])
        var buffer = context.channel.allocator.buffer(capacity: message.utf8.count)
        buffer.writeString(message)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in context.close(promise: nil) }
    }

    static let protectedModeMessage =
        "-DENIED Quiver is running in protected mode because protected mode is enabled and no password is set for the "
        + "default user. In this mode connections are only accepted from the loopback interface. Set a password with "
        + "--requirepass, or bind to loopback only, or disable protected mode with --protected-mode no.\r\n"

    // MARK: Commands

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .command(let buffers):
            let arguments = buffers.map { Array($0.readableBytesView) }
            let action = execute(arguments)
            switch action {
            case .none: break
            case .close:
                closing = true
                flush(context, thenClose: true)
            case .shutdown:
                closing = true
                flush(context, thenClose: true)
                let daemon = self.daemon
                Task { await daemon.stop() }
            }
        case .protocolError(let error):
            closing = true
            var reply = error.replyBytes
            output.writeBuffer(&reply)
            flush(context, thenClose: true)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !closing { flush(context, thenClose: false) }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        daemon.logger.debug("connection error", metadata: ["client": "\(state.id)", "error": "\(error)"])
        context.close(promise: nil)
    }

    private func flush(_ context: ChannelHandlerContext, thenClose: Bool) {
        guard output.readableBytes > 0 else {
            if thenClose { context.close(promise: nil) }
            return
        }
        let bytes = output
        output = context.channel.allocator.buffer(capacity: 4096)
        let write = context.writeAndFlush(wrapOutboundOut(bytes))
        if thenClose { write.whenComplete { _ in context.close(promise: nil) } }
    }

    /// Runs one command and appends its reply to the output; returns what to do next.
    func execute(_ arguments: [[UInt8]]) -> ReplyAction {
        guard let first = arguments.first else { return .none }
        let started = ContinuousClock.now
        state.lastInteraction = daemon.database.configuration.wallClock()
        guard let spec = CommandTable.lookUp(first) else {
            let text = String(decoding: first, as: UTF8.self)
            let rest = arguments.dropFirst().prefix(10).map { "'\(String(decoding: $0, as: UTF8.self))' " }.joined()
            if state.transaction != nil { state.transactionFailed = true }
            reply(.failure(.err("unknown command '\(text)', with args beginning with: \(rest)")))
            return .none
        }
        state.lastCommand = spec.lowercasedName
        let result = dispatch(spec, arguments)
        reply(result.reply)
        let microseconds = Int((ContinuousClock.now - started).components.attoseconds / 1_000_000_000_000)
            + Int((ContinuousClock.now - started).components.seconds) * 1_000_000
        daemon.statistics.recordCommand(spec.lowercasedName, microseconds: microseconds)
        daemon.clients.update(state)
        return result.action
    }

    private func reply(_ result: Result<RESPValue, CommandError>) {
        switch result {
        case .success(let value): _ = output.writeRESPValue(value, protocolVersion: state.protocolVersion)
        case .failure(let error): _ = output.writeRESPSimpleError(error.text)
        }
    }

    /// Checks arity, authentication, permissions and transactions, then runs `spec`.
    func dispatch(_ spec: CommandSpec, _ arguments: [[UInt8]]) -> (reply: Result<RESPValue, CommandError>, action: ReplyAction) {
        var spec = spec
        if !spec.subcommands.isEmpty, arguments.count >= 2 {
            let name = spec.name + "|" + CommandArguments.uppercased(arguments[1])
            guard let sub = spec.subcommands.first(where: { $0.name == name }) else {
                return (
                    .failure(.err("unknown subcommand '\(String(decoding: arguments[1], as: UTF8.self))'. Try \(spec.name) HELP.")),
                    .none
                )
            }
            spec = sub
        }
        guard spec.accepts(argumentCount: arguments.count) else {
            if state.transaction != nil { state.transactionFailed = true }
            return (.failure(.arity(spec.flags.contains(.module) ? spec.name : spec.lowercasedName)), .none)
        }
        if state.user == nil, !spec.flags.contains(.noAuth) { return (.failure(.noAuth), .none) }
        if spec.flags.contains(.debug), !daemon.configuration.enableDebugCommand {
            return (
                .failure(.err("DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.")),
                .none
            )
        }
        if state.isReadOnly, spec.flags.contains(.write) {
            return (.failure(CommandError("NOPERM User \(state.user ?? "default") has no permissions to run the '\(spec.lowercasedName)' command")), .none)
        }
        if state.transaction != nil, !spec.flags.contains(.noMulti) {
            state.transaction!.append(arguments)
            return (.success(.simpleString("QUEUED")), .none)
        }
        var context = CommandContext(daemon: daemon, connection: state, arguments: arguments)
        let result: Result<RESPValue, CommandError>
        do {
            result = .success(try spec.run(&context))
        } catch {
            result = .failure(error)
        }
        state = context.connection
        return (result, context.action)
    }
}
