internal import Dispatch
internal import Logging

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Stops a ``Daemon`` on SIGTERM or SIGINT, as Redis does: stop accepting, let in-flight
/// commands finish, flush and close the database; `quiverd` then exits 0.
///
/// The signals' default actions (terminating the process) are ignored first, then
/// `DispatchSource` signal sources deliver them on a queue. A second signal while stopping is
/// only logged.
final class TerminationSignals {
    /// The signals that stop the server.
    static let signals: [Int32] = [SIGTERM, SIGINT]

    private let sources: [any DispatchSourceSignal]

    /// Starts watching for the signals on behalf of `daemon`.
    init(daemon: Daemon) {
        sources = Self.signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak daemon] in
                guard let daemon else { return }
                daemon.logger.notice("received signal, stopping", metadata: ["signal": "\(number == SIGTERM ? "SIGTERM" : "SIGINT")"])
                Task { await daemon.stop() }
            }
            source.resume()
            return source
        }
    }

    /// Stops watching; the signals' default actions are restored.
    func cancel() {
        for source in sources { source.cancel() }
        for number in Self.signals { signal(number, SIG_DFL) }
    }
}
