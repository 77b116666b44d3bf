internal import QuiverIndex
internal import Foundation
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A one-line progress bar on standard error: percent, rate and time left.
///
/// Drawn only when standard error is a terminal, so logs and pipes stay clean. Updates come from
/// the index's worker threads and are drawn at most ten times a second.
package final class ProgressBar: Sendable {
    private struct State {
        var lastDraw: ContinuousClock.Instant
        var drawn = false
    }

    private let total: Int
    private let label: String
    private let start: ContinuousClock.Instant
    private let enabled: Bool
    private let state: Locked<State>

    /// Whether standard error is a terminal (`isatty(2)`).
    package static var isStandardErrorTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// A bar for `total` items; `enabled` defaults to whether standard error is a terminal.
    package init(total: Int, label: String, enabled: Bool = ProgressBar.isStandardErrorTerminal) {
        self.total = max(total, 1)
        self.label = label
        self.enabled = enabled
        let now = ContinuousClock.now
        start = now
        state = Locked(State(lastDraw: now - .seconds(1)))
    }

    /// Records that `done` items are finished; may be called from any thread.
    package func update(_ done: Int) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            guard done >= total || now - state.lastDraw >= .milliseconds(100) else { return nil }
            state.lastDraw = now
            state.drawn = true
            return Self.render(label: label, done: done, total: total, elapsed: now - start)
        }
        if let line { Self.emit("\r" + line + "\u{1B}[K") }
    }

    /// Clears the bar's line.
    package func finish() {
        guard enabled, state.withLock({ $0.drawn }) else { return }
        Self.emit("\r\u{1B}[K")
    }

    /// The bar's text for `done` of `total` after `elapsed`.
    package static func render(label: String, done: Int, total: Int, elapsed: Duration) -> String {
        let fraction = min(1, Double(done) / Double(max(total, 1)))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let seconds = elapsed.seconds
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let eta = rate > 0 ? Double(total - done) / rate : .infinity
        let percent = String(format: "%3d%%", Int(fraction * 100))
        return "\(label) [\(bar)] \(percent)  \(String(format: "%.0f", rate)) vectors/s  ETA \(clock(eta))"
    }

    private static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let whole = Int(seconds.rounded(.up))
        return whole >= 3600
            ? String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
            : String(format: "%d:%02d", whole / 60, whole % 60)
    }

    private static func emit(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    package var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
