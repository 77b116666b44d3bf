internal import NIOCore
internal import NIOPosix
internal import Synchronization
internal import Quiver
internal import QuiverIndex
internal import QuiverRESP
internal import Logging

/// The handler of a client's pipeline: splits the bytes it receives into commands
/// (``RESPRequestParser``), runs each in order and writes its reply, flushing once per read burst
/// (so a pipeline of commands costs one write).
///
/// Parsing here rather than in a decoder handler keeps the per-command path free of allocation:
/// arguments are copied into arrays reused from one command to the next.
///
/// The handler's mutable properties are touched only on its event loop and never while another
/// access to the same property is under way, so they skip Swift's dynamic exclusivity checks
/// (`@exclusivity(unchecked)`), which otherwise cost more per command than parsing it.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let daemon: Daemon
    /// The connection's state, shared with the command being run (``CommandContext``).
    private let stateBox: ConnectionStateBox
    /// The connection's state.
    var state: ConnectionState {
        _read { yield stateBox.state }
        _modify { yield &stateBox.state }
    }
    @exclusivity(unchecked) private var parser: RESPRequestParser
    /// Received bytes of a command not complete yet, held until the next read.
    @exclusivity(unchecked) private var unparsed: ByteBuffer?
    /// The arguments of the command being run; their arrays are reused by the next command.
    @exclusivity(unchecked) private var arguments: [[UInt8]] = []
    /// What each command runs with, kept from one command to the next.
    @exclusivity(unchecked) private var context: CommandContext
    @exclusivity(unchecked) private var output: ByteBuffer
    @exclusivity(unchecked) private var closing = false
    /// Whether a read burst is under way (between the first read and `channelReadComplete`).
    @exclusivity(unchecked) private var inBurst = false
    /// Writes staged in this burst, committed at its end (``WriteBurst``).
    @exclusivity(unchecked) var burst = WriteBurst()
    /// The group commit of this connection's event loop, set when the connection becomes active.
    private var committer: BurstCommitter?
    /// Whether the burst waits in the committer (its replies are flushed by
    /// ``finishGroupCommit(failure:context:)``).
    @exclusivity(unchecked) private var awaitingGroupCommit = false
    /// The command run last and its statistics slot: pipelines repeat one command, which then
    /// needs no table lookup and no slot lookup.
    /// Unretained: specs live in `CommandTable`'s static tables for the process's life, and a
    /// retain of one every event loop shares costs a contended atomic per command.
    @exclusivity(unchecked) private var lastSpec: Unmanaged<CommandSpec>?
    @exclusivity(unchecked) private var lastSlot = 0
    /// When the previous command of this read ended; `nil` at the start of each read.
    @exclusivity(unchecked) private var lastCommandEnd: UInt64?
    /// The threads searches run on (the daemon's, read when the connection becomes active);
    /// `nil`: every command runs on the event loop.
    private var searchPool: NIOThreadPool?
    /// The search the command being dispatched handed over (``CommandSpec/offload``), started by
    /// the read loop once the command returns.
    @exclusivity(unchecked) private var offloaded: OffloadedCommand?
    /// Whether a search of this connection is running on ``searchPool``: input waits in
    /// ``unparsed`` until its reply is written, so replies keep the commands' order.
    @exclusivity(unchecked) private var suspended = false

    /// A command running on the search threads, and what its reply needs on return.
    private struct OffloadedCommand {
        let work: @Sendable () -> Result<RESPValue, CommandError>
        /// Whether its reply is dropped (`CLIENT REPLY OFF` or `SKIP`).
        var quiet = false
        /// Its statistics slot and the clock reading its time counts from.
        var slot = 0
        var started: UInt64 = 0
    }

    /// A handler with the request limits of `daemon`'s configuration, or those in
    /// `state.requestLimits` when it has them (read before each command, so `AUTH` can lift them).
    init(daemon: Daemon, state: ConnectionState, allocator: ByteBufferAllocator) {
        self.daemon = daemon
        stateBox = ConnectionStateBox(state)
        context = CommandContext(daemon: daemon, sharing: stateBox, arguments: [])
        var limits = RESPRequestLimits.redisDefaults
        limits.maxBulkLength = daemon.configuration.maxBulkLength
        parser = RESPRequestParser(limits: state.requestLimits?.value ?? limits)
        output = allocator.buffer(capacity: 4096)
    }

    /// Adds a handler for `daemon` to a new client's pipeline, with the limits of its
    /// configuration: bulk length and query buffer in the handler (unparsed bytes over the limit
    /// close the connection), output buffer (``OutputBufferLimiter``). Before `AUTH`, a server
    /// with a password applies Redis's tighter caps.
    static func install(on channel: any Channel, daemon: Daemon) throws {
        let now = daemon.database.configuration.wallClock()
        let remote = channel.remoteAddress
        var state = ConnectionState(
            id: daemon.clients.newID(), address: remote.map(Self.describe) ?? "unknown", isLoopback: remote.map(Self.isLoopback) ?? true,
            connectedAt: now, lastInteraction: now)
        if daemon.settings.withLock({ $0.requirePassword }) != nil {
            // Kept in the connection's state, so that AUTH lifts the caps (ConnectionState.requestLimits).
            var limits = RESPRequestLimits.redisDefaults
            limits.maxBulkLength = daemon.configuration.maxBulkLength
            limits.unauthenticated = RESPRequestLimits.Unauthenticated()
            state.requestLimits = NIOLoopBoundBox(limits, eventLoop: channel.eventLoop)
        }
        let handler = ConnectionHandler(daemon: daemon, state: state, allocator: channel.allocator)
        try channel.pipeline.syncOperations.addHandler(handler)
        try OutputBufferLimiter.install(on: channel, limit: daemon.settings.withLock { $0.maxOutputBufferBytes }, logger: daemon.logger)
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
        committer = daemon.burstCommitter(for: context.eventLoop)
        searchPool = daemon.searchPool
        daemon.clients.register(state, channel: context.channel)
        // A `CONFIG SET client-output-buffer-limit` between the channel's set-up and its
        // registration reached no connection list this one was on.
        daemon.clients.applyOutputBufferLimit(to: context.channel, settings: daemon.settings, logger: daemon.logger)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        commitBurst()
        daemon.clients.unregister(state.id)
        TransactionRegistry.shared.connectionClosed(daemon, state.id)
        context.fireChannelInactive()
    }

    private func refuse(_ context: ChannelHandlerContext, _ message: String) {
        closing = true
        daemon.logger.info("refused a client", metadata: ["address": "\(state.address)", "reason": "\(message.dropFirst().prefix(40))"])
        var buffer = context.channel.allocator.buffer(capacity: message.utf8.count)
        buffer.writeString(message)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    static let protectedModeMessage =
        "-DENIED Quiver is running in protected mode because protected mode is enabled and no password is set for the "
        + "default user. In this mode connections are only accepted from the loopback interface. Set a password with "
        + "--requirepass, or bind to loopback only, or disable protected mode with --protected-mode no.\r\n"

    // MARK: Commands

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        var buffer = unwrapInboundIn(data)
        if var held = unparsed {
            unparsed = nil
            held.writeBuffer(&buffer)
            buffer = held
        }
        if suspended {
            // Input while a search runs is an interaction too (the idle timeout, CLIENT LIST).
            if !inBurst {
                inBurst = true
                state.lastInteraction = daemon.database.configuration.wallClock()
            }
            hold(buffer, context)
        } else {
            process(&buffer, context)
        }
    }

    /// Runs the commands in `buffer` in order, until it holds no complete one or a command went
    /// to the search threads; what is left waits in ``unparsed``.
    private func process(_ buffer: inout ByteBuffer, _ context: ChannelHandlerContext) {
        if !inBurst {
            inBurst = true
            state.lastInteraction = daemon.database.configuration.wallClock()
        }
        lastCommandEnd = nil
        // Locals for the loop: no exclusivity checks of the handler's properties per command.
        var parser = self.parser
        var arguments: [[UInt8]] = []
        swap(&arguments, &self.arguments)
        defer {
            self.parser = parser
            self.arguments = arguments
        }
        while !closing {
            if let shared = state.requestLimits { parser.limits = shared.value }
            do {
                guard try parser.next(in: &buffer, into: &arguments) else { break }
            } catch {
                closing = true
                commitBurst()
                var reply = error.replyBytes
                output.writeBuffer(&reply)
                endBurst()
                flush(context, thenClose: true)
                return
            }
            switch execute(arguments) {
            case .none: break
            case .close:
                closing = true
                endBurst()
                flush(context, thenClose: true)
            case .shutdown:
                closing = true
                endBurst()
                flush(context, thenClose: true)
                let daemon = self.daemon
                Task { await daemon.stop() }
            }
            if offloaded != nil {
                startOffloaded(context)
                break
            }
        }
        hold(buffer, context)
    }

    /// Keeps the unread rest of `buffer` for later, unless it exceeds the query buffer limit
    /// (then the connection closes).
    private func hold(_ buffer: ByteBuffer, _ context: ChannelHandlerContext) {
        var buffer = buffer
        guard !closing, buffer.readableBytes > 0 else { return }
        // The limit is at least 1 KiB: a shorter partial command needs no look at the settings.
        let limit = buffer.readableBytes > 1024 ? daemon.settings.withLock { $0.maxQueryBufferBytes } : Int.max
        guard buffer.readableBytes <= limit else {
            daemon.logger.info(
                "closing a client over the query buffer limit",
                metadata: ["client": "\(state.id)", "bytes": "\(buffer.readableBytes)", "limit": "\(limit)"])
            closing = true
            endBurst()
            flush(context, thenClose: true)
            return
        }
        buffer.discardReadBytes()
        unparsed = buffer
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !closing { finishReading(context) }
        context.fireChannelReadComplete()
    }

    /// Ends a read burst: its staged writes go to the group commit, or the replies are flushed.
    private func finishReading(_ context: ChannelHandlerContext) {
        if !burst.isEmpty, let committer {
            awaitingGroupCommit = true
            committer.enqueue(self, context)
        } else {
            endBurst()
            flush(context, thenClose: false)
        }
    }

    // MARK: Searches off the event loop

    /// Hands the command ``offloaded`` names to the search threads; its reply, and the commands
    /// after it, follow on the event loop once it is done (``finishOffloaded(_:_:_:)``).
    private func startOffloaded(_ context: ChannelHandlerContext) {
        guard let command = offloaded, let searchPool else { return }
        offloaded = nil
        suspended = true
        daemon.searchesInFlight.add(1, ordering: .relaxed)
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        searchPool.runIfActive(eventLoop: loop) { command.work() }.whenComplete { outcome in
            // A task of its own: a pool already stopped fails the future at once, and the read
            // loop that started the search must not be re-entered.
            loop.execute { bound.value.handler.finishOffloaded(command, outcome, bound.value.context) }
        }
    }

    /// Writes the reply of a search that ran on the search threads, then runs the input that
    /// waited for it.
    private func finishOffloaded(
        _ command: OffloadedCommand, _ outcome: Result<Result<RESPValue, CommandError>, any Error>, _ context: ChannelHandlerContext
    ) {
        suspended = false
        defer { daemon.searchesInFlight.subtract(1, ordering: .releasing) }
        daemon.statistics.recordCommand(slot: command.slot, nanoseconds: Int(truncatingIfNeeded: monotonicNanoseconds() &- command.started))
        guard !closing else { return }
        let reply: Result<RESPValue, CommandError>
        switch outcome {
        case .success(let result): reply = result
        case .failure: reply = .failure(.err("the server is shutting down"))  // the pool stopped first
        }
        if !command.quiet { self.reply(reply) }
        if var held = unparsed {
            unparsed = nil
            process(&held, context)
        }
        if !closing { finishReading(context) }
    }

    /// Ends a burst the committer took: its replies become the commit's error when it failed,
    /// then they are sent.
    func finishGroupCommit(failure: CommandError?, context: ChannelHandlerContext) {
        guard awaitingGroupCommit else { return }
        awaitingGroupCommit = false
        if let failure { replaceStagedReplies(with: failure) }
        burst.reset()
        endBurst()
        if !closing { flush(context, thenClose: false) }
    }

    private func replaceStagedReplies(with error: CommandError) {
        let count = burst.count
        output.moveWriterIndex(to: burst.repliesStart)
        for _ in 0..<count { _ = output.writeRESPSimpleError(error.text) }
    }

    /// Commits the staged writes and publishes the connection's state for `CLIENT LIST`, once
    /// per read burst rather than once per command.
    private func endBurst() {
        commitBurst()
        if inBurst {
            inBurst = false
            daemon.clients.update(state)
        }
    }

    /// Commits the writes staged by the burst so far; when that fails, their replies become the
    /// error.
    private func commitBurst() {
        if awaitingGroupCommit { committer?.commitWaiting() }
        guard !burst.isEmpty else { return }
        do { try burst.commit(in: daemon.database) } catch {
            replaceStagedReplies(with: error)
            burst.reset()
        }
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
        guard thenClose else { return context.writeAndFlush(wrapOutboundOut(bytes), promise: nil) }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Runs one command and appends its reply to the output, unless `CLIENT REPLY` silenced it;
    /// returns what to do next.
    func execute(_ arguments: [[UInt8]]) -> ReplyAction {
        guard let first = arguments.first else { return .none }
        // In a pipeline one clock reading ends a command and starts the next (whose time then
        // includes its parsing); the first command of a read starts its own.
        let started = lastCommandEnd ?? monotonicNanoseconds()
        let skipped = state.skipNextReply
        if skipped { state.skipNextReply = false }
        let silent = skipped || state.repliesOff
        let spec: Unmanaged<CommandSpec>
        if let last = lastSpec, last._withUnsafeGuaranteedRef({ $0.nameMatches(first) }) {
            spec = last
        } else if let found = CommandTable.lookUp(first) {
            spec = .passUnretained(found)
            lastSpec = spec
            lastSlot = ServerStatistics.slot(of: found.lowercasedName)
        } else {
            commitBurst()
            let mark = output.writerIndex
            let text = String(decoding: first, as: UTF8.self)
            let rest = arguments.dropFirst().prefix(10).map { "'\(String(decoding: $0, as: UTF8.self))' " }.joined()
            if state.transaction != nil { state.transactionFailed = true }
            reply(.failure(.err("unknown command '\(text)', with args beginning with: \(rest)")))
            if silent { output.moveWriterIndex(to: mark) }
            return .none
        }
        let action = spec._withUnsafeGuaranteedRef { spec in execute(spec, arguments, skipped: skipped, silent: silent) }
        if offloaded != nil {
            // Timed when its reply is written.
            offloaded!.slot = lastSlot
            offloaded!.started = started
            lastCommandEnd = nil
            return action
        }
        let ended = monotonicNanoseconds()
        lastCommandEnd = ended
        daemon.statistics.recordCommand(slot: lastSlot, nanoseconds: Int(truncatingIfNeeded: ended &- started))
        return action
    }

    /// Runs the command `spec` names (see ``execute(_:)``).
    private func execute(_ spec: CommandSpec, _ arguments: [[UInt8]], skipped: Bool, silent: Bool) -> ReplyAction {
        state.lastCommand = spec.lowercasedName
        // What is staged is committed first (its replies may be rewritten, which must happen
        // before the mark), and a silenced command is never staged, so a reply removed below is
        // never one a failed commit would rewrite.
        if spec.stage == nil || silent { commitBurst() }
        let mark = output.writerIndex
        let result = dispatch(spec, arguments, writingDirectly: true, staging: !silent)
        if let outcome = result.reply { reply(outcome) }
        // Judged after the command: `CLIENT REPLY OFF` and `SKIP` silence themselves, `ON` does not.
        if skipped || state.repliesOff || state.skipNextReply {
            output.moveWriterIndex(to: mark)
            offloaded?.quiet = true
        }
        return result.action
    }

    private func reply(_ result: Result<RESPValue, CommandError>) {
        switch result {
        case .success(let value): _ = output.writeRESPValue(value, protocolVersion: state.protocolVersion)
        case .failure(let error): _ = output.writeRESPSimpleError(error.text)
        }
    }

    /// Runs one command as a burst of its own: ``dispatch(_:_:writingDirectly:staging:)``, then the commit of what it
    /// staged (whose failure becomes the reply). For callers that drive the handler without a
    /// channel.
    func dispatchAlone(_ spec: CommandSpec, _ arguments: [[UInt8]]) -> (reply: Result<RESPValue, CommandError>, action: ReplyAction) {
        let result = dispatch(spec, arguments, writingDirectly: false, staging: true)
        // Without `writingDirectly` every reply comes back as a value.
        var reply = result.reply!
        do { try burst.commit(in: daemon.database) } catch {
            reply = .failure(error)
            burst.reset()
        }
        return (reply, result.action)
    }

    /// Checks arity, authentication, permissions and transactions, then runs `spec`.
    ///
    /// A command with a ``CommandSpec/stage`` may join the burst's staged writes instead (when
    /// `staging`); any other command first commits them, so it sees them. With `writingDirectly`, a command
    /// with a ``CommandSpec/write`` path writes its reply into the output itself and the reply
    /// returned is `nil`.
    func dispatch(
        _ spec: CommandSpec, _ arguments: [[UInt8]], writingDirectly: Bool, staging: Bool
    ) -> (reply: Result<RESPValue, CommandError>?, action: ReplyAction) {
        if !spec.subcommands.isEmpty, arguments.count >= 2 {
            let name = spec.name + "|" + CommandArguments.uppercased(arguments[1])
            guard let sub = spec.subcommands.first(where: { $0.name == name }) else {
                return (
                    .failure(.err("unknown subcommand '\(String(decoding: arguments[1], as: UTF8.self))'. Try \(spec.name) HELP.")),
                    .none
                )
            }
            return dispatchResolved(sub, arguments, writingDirectly: writingDirectly, staging: staging)
        }
        return dispatchResolved(spec, arguments, writingDirectly: writingDirectly, staging: staging)
    }

    /// ``dispatch(_:_:writingDirectly:staging:)`` once a subcommand is resolved.
    private func dispatchResolved(
        _ spec: CommandSpec, _ arguments: [[UInt8]], writingDirectly: Bool, staging: Bool
    ) -> (reply: Result<RESPValue, CommandError>?, action: ReplyAction) {
        // `execute` committed the burst already for a command that will not stage; the commit
        // before `run` below covers the rest (and `dispatchAlone` starts with an empty burst).
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
            if state.transaction != nil { state.transactionFailed = true }
            return (.failure(CommandError("NOPERM User \(state.user ?? "default") has no permissions to run the '\(spec.lowercasedName)' command")), .none)
        }
        if state.transaction != nil, !spec.flags.contains(.noMulti) {
            state.transaction!.append(arguments)
            return (.success(.simpleString("QUEUED")), .none)
        }
        context.reset(arguments: arguments)
        defer { context.reset(arguments: []) }
        let result: Result<RESPValue, CommandError>
        do {
            if staging, let stage = spec.stage {
                let wasEmpty = burst.isEmpty
                if try stage(&context, &burst) {
                    if wasEmpty { burst.repliesStart = output.writerIndex }
                    guard writingDirectly else { return (.success(.ok), .none) }
                    output.writeRESPOK()
                    return (nil, .none)
                }
            }
            commitBurst()
            if writingDirectly, let write = spec.write {
                try write(&context, &output)
                return (nil, context.action)
            }
            if writingDirectly, searchPool != nil, let offload = spec.offload {
                switch try offload(&context) {
                case .reply(let value):
                    result = .success(value)
                case .offload(let work):
                    offloaded = OffloadedCommand(work: work)
                    return (nil, context.action)
                }
            } else {
                result = .success(try spec.run(&context))
            }
        } catch {
            result = .failure(error)
        }
        return (result, context.action)
    }
}
