internal import NIOCore
internal import Quiver

/// Commits, as one batch, the staged writes (``WriteBurst``) of every connection of one event
/// loop whose read burst ended in the same loop iteration: one log record and one `write(2)` for
/// many clients' pipelines. Each connection's replies are flushed once the batch is in.
///
/// Lives on its event loop: every method runs there.
final class BurstCommitter: @unchecked Sendable {  // touched only on `eventLoop`
    private let eventLoop: any EventLoop
    private var waiting: [(handler: ConnectionHandler, context: ChannelHandlerContext)] = []
    private var scheduled = false

    /// A committer for the connections of `eventLoop`.
    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    /// Queues `handler`'s burst for the commit at the end of this loop iteration.
    func enqueue(_ handler: ConnectionHandler, _ context: ChannelHandlerContext) {
        waiting.append((handler, context))
        guard !scheduled else { return }
        scheduled = true
        eventLoop.execute { self.commitWaiting() }
    }

    /// Commits every queued burst now, and lets each connection send its replies.
    func commitWaiting() {
        scheduled = false
        guard !waiting.isEmpty else { return }
        let group = waiting
        waiting.removeAll(keepingCapacity: true)
        var failure: CommandError?
        do {
            try group[0].handler.daemon.database.write { batch in
                WriteBurst.add(group.lazy.map(\.handler.burst), to: &batch)
            }
        } catch {
            failure = CommandError(error)
        }
        for member in group { member.handler.finishGroupCommit(failure: failure, context: member.context) }
    }
}
