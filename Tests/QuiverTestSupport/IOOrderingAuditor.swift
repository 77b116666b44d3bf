/// Checks an ordered trace of file operations against the I/O ordering rules of reliability
/// row T16:
///
/// 1. No manifest edit referencing file X is written (so none is synced) before X's data and its
///    directory entry are synced: the operating system may write a manifest page back before the
///    manifest's own sync, and a recovered edit must never name a file a crash could lose.
/// 2. No WAL file is removed before a synced manifest edit retires it (its records are in segments).
/// 3. `CURRENT` is replaced only through a synced temporary file, a rename, and a directory sync,
///    never written in place.
/// 4. No write is acknowledged before the WAL bytes it covers are synced, and the WAL file's
///    directory entry too (durability `always`).
/// 5. No file is removed while the synced manifest references it.
///
/// Paths are plain strings (file names inside one data directory). A manifest write is
/// annotated with the files the edit references and the WAL numbers it retires, so the auditor
/// needs no manifest decoder; whoever records the trace supplies those annotations.
public struct IOOrderingAuditor: Sendable {
    /// One traced operation.
    public enum Event: Sendable, Hashable {
        /// A file was created (or opened for writing).
        case create(String)
        /// Bytes `[offset, offset + count)` of a file were written.
        case write(String, offset: Int64, count: Int)
        /// A manifest write whose edit adds references to `references`, drops `dropping`, and
        /// retires WALs `retiring`.
        case manifestWrite(String, references: Set<String>, dropping: Set<String>, retiring: Set<String>)
        /// A file's data was synced.
        case sync(String)
        /// The data directory was synced.
        case syncDirectory
        /// A file was renamed.
        case rename(String, to: String)
        /// A file was unlinked.
        case remove(String)
        /// A write was acknowledged, covering `walFile` bytes up to `end`.
        case ack(Int, walFile: String, end: Int64)
    }

    /// One broken rule.
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        /// The rule number (1–5).
        public var rule: Int
        /// The index of the offending event.
        public var index: Int
        /// What went wrong.
        public var message: String
        /// `rule N @index: message`.
        public var description: String { "rule \(rule) @\(index): \(message)" }
    }

    /// An auditor with no state.
    public init() {}

    /// Audits `trace`.
    ///
    /// - Parameter trace: The events in the order they happened.
    /// - Returns: Every violation found, in trace order.
    /// - Complexity: O(n · f) for n events and f files.
    public func audit(_ trace: [Event]) -> [Violation] {
        var violations: [Violation] = []
        var unsynced: [String: Int64] = [:]  // lowest unsynced offset per file
        var syncedEnd: [String: Int64] = [:]
        var written: [String: Int64] = [:]
        var entryPending: Set<String> = []  // directory entries not yet synced
        var pendingEdits: [String: (refs: Set<String>, drops: Set<String>, retiring: Set<String>)] = [:]
        var referenced: Set<String> = []
        var retired: Set<String> = []
        var currentRenamePending: Int?
        func flag(_ rule: Int, _ index: Int, _ message: String) {
            violations.append(Violation(rule: rule, index: index, message: message))
        }
        for (index, event) in trace.enumerated() {
            switch event {
            case .create(let file):
                entryPending.insert(file)
            case .write(let file, let offset, let count):
                if file == "CURRENT" { flag(3, index, "CURRENT written in place") }
                unsynced[file] = min(unsynced[file] ?? offset, offset)
                written[file] = max(written[file] ?? 0, offset + Int64(count))
            case .manifestWrite(let file, let references, let dropping, let retiring):
                for target in references.sorted() where unsynced[target] != nil || entryPending.contains(target) {
                    flag(1, index, "\(file) written with an edit referencing \(target), which is not durable")
                }
                unsynced[file] = 0
                var edit = pendingEdits[file] ?? ([], [], [])
                edit.refs.formUnion(references)
                edit.drops.formUnion(dropping)
                edit.retiring.formUnion(retiring)
                pendingEdits[file] = edit
            case .sync(let file):
                if let edit = pendingEdits.removeValue(forKey: file) {
                    referenced.formUnion(edit.refs)
                    referenced.subtract(edit.drops)
                    retired.formUnion(edit.retiring)
                }
                unsynced[file] = nil
                syncedEnd[file] = written[file] ?? 0
            case .syncDirectory:
                entryPending.removeAll()
                currentRenamePending = nil
            case .rename(let source, let destination):
                if destination == "CURRENT" {
                    if unsynced[source] != nil || written[source] == nil {
                        flag(3, index, "CURRENT replaced by \(source), which is not synced")
                    }
                    if let pending = currentRenamePending {
                        flag(3, pending, "CURRENT renamed without a directory sync")
                    }
                    currentRenamePending = index
                }
                entryPending.insert(destination)
                unsynced[destination] = unsynced.removeValue(forKey: source)
                written[destination] = written.removeValue(forKey: source)
                syncedEnd[destination] = syncedEnd.removeValue(forKey: source)
            case .remove(let file):
                if file.hasSuffix(".wal") && !retired.contains(file) {
                    flag(2, index, "\(file) removed before a synced manifest edit retires it")
                }
                if referenced.contains(file) {
                    flag(5, index, "\(file) removed while the synced manifest references it")
                }
            case .ack(let sequence, let walFile, let end):
                if (syncedEnd[walFile] ?? 0) < end || (unsynced[walFile].map { $0 < end } ?? false) {
                    flag(4, index, "write \(sequence) acknowledged before \(walFile) is synced to \(end)")
                }
                if entryPending.contains(walFile) {
                    flag(4, index, "write \(sequence) acknowledged before the directory entry of \(walFile) is synced")
                }
            }
        }
        if let pending = currentRenamePending {
            flag(3, pending, "CURRENT renamed without a directory sync")
        }
        return violations
    }
}
