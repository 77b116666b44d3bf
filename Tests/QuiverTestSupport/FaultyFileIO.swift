public import QuiverStorage
public import SystemPackage
internal import Synchronization

/// Wraps any ``FileIO`` and fails chosen calls, recording every call in a trace.
///
/// A ``Rule`` names the operations it watches, which of them fail (the k-th, or every one from
/// the k-th on, counted per rule from 1), and how. Faults model what the OS can do: an errno
/// (`EIO`, `ENOSPC`, `EDQUOT`, `EMFILE`), or a short write that stores a prefix of the bytes and
/// then fails.
public final class FaultyFileIO: FileIO {
    /// A kind of ``FileIO`` call.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        case open, close, read, write, size, synchronize, resize, lock, unlock, map, rename, remove, link
        case createDirectory, synchronizeDirectory, contentsOfDirectory
    }

    /// How a chosen call fails.
    public enum Fault: Sendable, Hashable {
        /// The call does nothing and fails with `errno`.
        case error(Errno)
        /// A write stores the first half of its bytes, then fails with `errno`; other calls just fail.
        case shortWrite(Errno)
    }

    /// Which calls of a rule's operations fail.
    public enum Trigger: Sendable, Hashable {
        /// Only the k-th matching call (1-based).
        case once(Int)
        /// The k-th matching call and every one after it.
        case from(Int)
    }

    /// One fault to inject.
    public struct Rule: Sendable, Hashable {
        /// The operations the rule counts.
        public var operations: Set<Operation>
        /// Which of them fail.
        public var trigger: Trigger
        /// How they fail.
        public var fault: Fault

        /// A rule failing `operations` at `trigger` with `fault`.
        public init(_ operations: Set<Operation>, _ trigger: Trigger, _ fault: Fault) {
            self.operations = operations
            self.trigger = trigger
            self.fault = fault
        }
    }

    /// One recorded call.
    public struct Event: Sendable, Hashable, CustomStringConvertible {
        /// The call.
        public var operation: Operation
        /// The path involved (for calls on a handle, the path it was opened with).
        public var path: FilePath?
        /// The offset for reads, writes and resizes.
        public var offset: Int64?
        /// The byte count for reads and writes.
        public var count: Int?
        /// The injected fault, if any.
        public var fault: Fault?

        /// `operation path @offset +count !fault`.
        public var description: String {
            var text = operation.rawValue
            if let path { text += " \(path)" }
            if let offset { text += " @\(offset)" }
            if let count { text += " +\(count)" }
            if let fault { text += " !\(fault)" }
            return text
        }
    }

    private struct State {
        var rules: [(rule: Rule, seen: Int)] = []
        var trace: [Event] = []
        var paths: [FileIOHandle: FilePath] = [:]
    }

    /// The wrapped file system.
    public let base: any FileIO
    private let state = Mutex(State())

    /// Wraps `base`, injecting `rules`.
    public init(wrapping base: any FileIO, rules: [Rule] = []) {
        self.base = base
        state.withLock { $0.rules = rules.map { ($0, 0) } }
    }

    /// Adds a rule; its count starts now.
    public func inject(_ rule: Rule) { state.withLock { $0.rules.append((rule, 0)) } }

    /// Removes every rule (the trace is kept).
    public func clearFaults() { state.withLock { $0.rules = [] } }

    /// Every call so far, in order.
    public var trace: [Event] { state.withLock { $0.trace } }

    /// How many calls of `operation` were made.
    public func count(of operation: Operation) -> Int { state.withLock { $0.trace.count { $0.operation == operation } } }

    /// Records the call and returns the fault to inject, if any.
    private func record(_ operation: Operation, path: FilePath? = nil, file: FileIOHandle? = nil, offset: Int64? = nil, count: Int? = nil)
        -> Fault?
    {
        state.withLock { state in
            var fault: Fault?
            for index in state.rules.indices where state.rules[index].rule.operations.contains(operation) {
                state.rules[index].seen += 1
                let seen = state.rules[index].seen
                switch state.rules[index].rule.trigger {
                case .once(let k) where seen == k, .from(let k) where seen >= k:
                    fault = fault ?? state.rules[index].rule.fault
                default: break
                }
            }
            let resolved = path ?? file.flatMap { state.paths[$0] }
            state.trace.append(Event(operation: operation, path: resolved, offset: offset, count: count, fault: fault))
            return fault
        }
    }

    private func fail(_ fault: Fault, _ operation: Operation, path: FilePath?) -> StorageError {
        switch fault {
        case .error(let errno), .shortWrite(let errno):
            StorageError(.io(errno), "injected \(operation.rawValue) failure: \(errno)", file: path)
        }
    }

    public func open(_ path: FilePath, access: FileAccess, options: FileOpenOptions) throws(StorageError) -> FileIOHandle {
        if let fault = record(.open, path: path) { throw fail(fault, .open, path: path) }
        let handle = try base.open(path, access: access, options: options)
        state.withLock { $0.paths[handle] = path }
        return handle
    }

    public func close(_ file: FileIOHandle) throws(StorageError) {
        let fault = record(.close, file: file)
        try base.close(file)
        state.withLock { $0.paths[file] = nil }
        if let fault { throw fail(fault, .close, path: nil) }
    }

    public func read(_ file: FileIOHandle, fromAbsoluteOffset offset: Int64, into buffer: UnsafeMutableRawBufferPointer)
        throws(StorageError) -> Int
    {
        if let fault = record(.read, file: file, offset: offset, count: buffer.count) { throw fail(fault, .read, path: nil) }
        return try base.read(file, fromAbsoluteOffset: offset, into: buffer)
    }

    public func write(_ file: FileIOHandle, toAbsoluteOffset offset: Int64, _ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        guard let fault = record(.write, file: file, offset: offset, count: bytes.count) else {
            return try base.write(file, toAbsoluteOffset: offset, bytes)
        }
        if case .shortWrite = fault, bytes.count > 1 {
            try base.write(file, toAbsoluteOffset: offset, UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count / 2)]))
        }
        throw fail(fault, .write, path: nil)
    }

    public func size(of file: FileIOHandle) throws(StorageError) -> Int64 {
        if let fault = record(.size, file: file) { throw fail(fault, .size, path: nil) }
        return try base.size(of: file)
    }

    public func synchronize(_ file: FileIOHandle, dataOnly: Bool) throws(StorageError) {
        if let fault = record(.synchronize, file: file) { throw fail(fault, .synchronize, path: nil) }
        try base.synchronize(file, dataOnly: dataOnly)
    }

    public func resize(_ file: FileIOHandle, to size: Int64) throws(StorageError) {
        if let fault = record(.resize, file: file, offset: size) { throw fail(fault, .resize, path: nil) }
        try base.resize(file, to: size)
    }

    public func lock(_ file: FileIOHandle) throws(StorageError) {
        if let fault = record(.lock, file: file) { throw fail(fault, .lock, path: nil) }
        try base.lock(file)
    }

    public func unlock(_ file: FileIOHandle) throws(StorageError) {
        if let fault = record(.unlock, file: file) { throw fail(fault, .unlock, path: nil) }
        try base.unlock(file)
    }

    public func map(_ file: FileIOHandle) throws(StorageError) -> MappedRegion {
        if let fault = record(.map, file: file) { throw fail(fault, .map, path: nil) }
        return try base.map(file)
    }

    public func rename(_ source: FilePath, to destination: FilePath) throws(StorageError) {
        if let fault = record(.rename, path: source) { throw fail(fault, .rename, path: source) }
        try base.rename(source, to: destination)
    }

    public func remove(_ path: FilePath) throws(StorageError) {
        if let fault = record(.remove, path: path) { throw fail(fault, .remove, path: path) }
        try base.remove(path)
    }

    public func link(_ source: FilePath, to destination: FilePath) throws(StorageError) {
        if let fault = record(.link, path: source) { throw fail(fault, .link, path: source) }
        try base.link(source, to: destination)
    }

    public func createDirectory(_ path: FilePath) throws(StorageError) {
        if let fault = record(.createDirectory, path: path) { throw fail(fault, .createDirectory, path: path) }
        try base.createDirectory(path)
    }

    public func synchronizeDirectory(_ path: FilePath) throws(StorageError) {
        if let fault = record(.synchronizeDirectory, path: path) { throw fail(fault, .synchronizeDirectory, path: path) }
        try base.synchronizeDirectory(path)
    }

    public func contentsOfDirectory(_ path: FilePath) throws(StorageError) -> [String] {
        if let fault = record(.contentsOfDirectory, path: path) { throw fail(fault, .contentsOfDirectory, path: path) }
        return try base.contentsOfDirectory(path)
    }
}
