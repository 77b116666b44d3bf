public import QuiverStorage
public import SystemPackage
internal import Synchronization

/// A deterministic in-memory file system that remembers what was made durable, for crash tests.
///
/// Every file tracks the bytes *issued* (written) and the bytes *synced*; every directory tracks
/// its issued and synced entries. ``crashImage(policy:seed:)`` builds the file system a power
/// failure could leave: only synced state, everything issued, or a seeded random mix in which each
/// unsynced write is kept, dropped or torn (at a 512-byte or 4 KiB boundary or a random byte), a
/// dropped or torn write that extended the file may leave the extension reading as zeros or
/// garbage (size committed before content), and a random prefix of each directory's unsynced
/// entry changes survives (directory changes are journaled in order). ``close(_:)`` is not a sync.
///
/// ``crash(afterMutations:)`` stops the world after the k-th mutating call (create, write,
/// resize, sync, rename, link, remove, mkdir, directory sync): later calls fail with `EIO`, so a
/// workload can be cut at every I/O step in turn.
public final class SimFS: FileIO {
    /// What a simulated power failure keeps.
    public enum CrashPolicy: Sendable, Hashable, CustomStringConvertible {
        /// Only what was synced (files) and directory-synced (entries).
        case syncedOnly
        /// Everything issued, as after a process crash.
        case allIssued
        /// A seeded random keep/drop/tear of each unsynced change.
        case random

        /// The policy's name.
        public var description: String {
            switch self {
            case .syncedOnly: "syncedOnly"
            case .allIssued: "allIssued"
            case .random: "random"
            }
        }
    }

    private enum Change {
        case write(offset: Int, bytes: [UInt8])
        case resize(Int)
    }

    private struct Inode {
        var synced: [UInt8] = []
        var current: [UInt8] = []
        var unsynced: [Change] = []
    }

    private enum Node: Hashable {
        case file(Int)
        case directory
    }

    private enum EntryChange {
        case link(String, Node)
        case unlink(String)
    }

    private struct Directory {
        var synced: [String: Node] = [:]
        var current: [String: Node] = [:]
        var unsynced: [EntryChange] = []

        mutating func apply(_ change: EntryChange) {
            switch change {
            case .link(let name, let node): current[name] = node
            case .unlink(let name): current[name] = nil
            }
            unsynced.append(change)
        }
    }

    private struct OpenFile {
        var inode: Int
        var access: FileAccess
    }

    private struct State {
        var inodes: [Int: Inode] = [:]
        var directories: [FilePath: Directory] = ["/": Directory()]
        var handles: [Int32: OpenFile] = [:]
        var locks: [Int: Int32] = [:]
        var nextInode = 1
        var nextHandle: Int32 = 3
        var mutations = 0
        var crashAfter: Int?
        var syncCount = 0
        var directorySyncCount = 0
    }

    private let state = Mutex(State())

    /// An empty file system with only the root directory `/`.
    public init() {}

    // MARK: Test controls

    /// Makes every call after the `count`-th mutating call fail with `EIO`, as if the machine died there.
    public func crash(afterMutations count: Int) {
        state.withLock { $0.crashAfter = count }
    }

    /// Mutating calls so far.
    public var mutationCount: Int { state.withLock { $0.mutations } }

    /// File syncs (`fsync`/`fdatasync`) so far.
    public var syncCount: Int { state.withLock { $0.syncCount } }

    /// Directory syncs so far.
    public var directorySyncCount: Int { state.withLock { $0.directorySyncCount } }

    /// Descriptors currently open.
    public var openHandleCount: Int { state.withLock { $0.handles.count } }

    /// The issued content of the file at `path`, or `nil` if there is none.
    public func contents(of path: FilePath) -> [UInt8]? {
        state.withLock { state in
            guard case .file(let inode)? = Self.lookup(path, in: state) else { return nil }
            return state.inodes[inode]?.current
        }
    }

    /// Replaces the content of the file at `path` (creating it) as durable state, bypassing
    /// crash tracking: for planting damaged files in tests.
    public func setContents(of path: FilePath, to bytes: [UInt8]) {
        state.withLock { state in
            let (parent, name) = Self.split(path)
            precondition(state.directories[parent] != nil, "no directory \(parent)")
            let inode: Int
            if case .file(let existing)? = state.directories[parent]!.current[name] {
                inode = existing
            } else {
                inode = state.nextInode
                state.nextInode += 1
                state.directories[parent]!.current[name] = .file(inode)
                state.directories[parent]!.synced[name] = .file(inode)
            }
            state.inodes[inode] = Inode(synced: bytes, current: bytes, unsynced: [])
        }
    }

    /// The file system a power failure at this moment could leave behind, everything in it durable.
    ///
    /// - Parameters:
    ///   - policy: What survives.
    ///   - seed: Drives ``CrashPolicy/random``; the same seed gives the same image.
    public func crashImage(policy: CrashPolicy, seed: UInt64 = 0) -> SimFS {
        var rng = SeededGenerator(seed: seed)
        let image = SimFS()
        state.withLock { state in
            image.state.withLock { target in
                var inodeMap: [Int: Int] = [:]
                // Directories: from the root down, keeping only those still reachable.
                var pending: [FilePath] = ["/"]
                target.directories = [:]
                while let path = pending.popLast() {
                    guard let directory = state.directories[path] else { continue }
                    var entries: [String: Node]
                    switch policy {
                    case .syncedOnly: entries = directory.synced
                    case .allIssued: entries = directory.current
                    case .random:
                        entries = directory.synced
                        let kept = Int.random(in: 0...directory.unsynced.count, using: &rng)
                        for change in directory.unsynced.prefix(kept) {
                            switch change {
                            case .link(let name, let node): entries[name] = node
                            case .unlink(let name): entries[name] = nil
                            }
                        }
                    }
                    var copied = Directory()
                    for (name, node) in entries.sorted(by: { $0.key < $1.key }) {
                        switch node {
                        case .directory:
                            copied.current[name] = .directory
                            pending.append(path.appending(name))
                        case .file(let inode):
                            if inodeMap[inode] == nil, let source = state.inodes[inode] {
                                let content = Self.survivor(of: source, policy: policy, rng: &rng)
                                inodeMap[inode] = target.nextInode
                                target.inodes[target.nextInode] = Inode(synced: content, current: content, unsynced: [])
                                target.nextInode += 1
                            }
                            if let mapped = inodeMap[inode] { copied.current[name] = .file(mapped) }
                        }
                    }
                    copied.synced = copied.current
                    target.directories[path] = copied
                }
            }
        }
        return image
    }

    private static func survivor(of inode: Inode, policy: CrashPolicy, rng: inout SeededGenerator) -> [UInt8] {
        switch policy {
        case .syncedOnly: return inode.synced
        case .allIssued: return inode.current
        case .random:
            var content = inode.synced
            for change in inode.unsynced {
                switch change {
                case .resize(let size):
                    if Bool.random(using: &rng) { resize(&content, to: size) }
                case .write(let offset, let bytes):
                    let roll = Int.random(in: 0..<4, using: &rng)
                    var kept = bytes.count
                    if roll == 2 { kept = 0 }
                    if roll == 3 { kept = tearPoint(bytes.count, offset: offset, rng: &rng) }
                    if kept > 0 { write(&content, at: offset, bytes[..<kept]) }
                    let end = offset + bytes.count
                    if kept < bytes.count, end > content.count, Bool.random(using: &rng) {
                        // The size reached the disk before the data: the unwritten tail reads as
                        // zeros or as whatever the blocks held before.
                        let garbage = Bool.random(using: &rng)
                        let start = max(content.count, offset + kept)
                        resize(&content, to: end)
                        if garbage {
                            for index in start..<end { content[index] = UInt8.random(in: 0...255, using: &rng) }
                        }
                    }
                }
            }
            return content
        }
    }

    /// How many leading bytes of a write of `count` bytes at `offset` a tear keeps.
    private static func tearPoint(_ count: Int, offset: Int, rng: inout SeededGenerator) -> Int {
        guard count > 1 else { return 0 }
        let boundary = [512, 4096, 1].randomElement(using: &rng)!
        if boundary == 1 { return Int.random(in: 1..<count, using: &rng) }
        // Keep whole sectors or pages, counted in file offsets.
        let first = (offset / boundary + 1) * boundary - offset
        guard first < count else { return Int.random(in: 0..<count, using: &rng) }
        let steps = (count - first - 1) / boundary
        return first + boundary * Int.random(in: 0...steps, using: &rng)
    }

    private static func write(_ content: inout [UInt8], at offset: Int, _ bytes: some Collection<UInt8>) {
        if content.count < offset + bytes.count { resize(&content, to: offset + bytes.count) }
        content.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    }

    private static func resize(_ content: inout [UInt8], to size: Int) {
        if size < content.count {
            content.removeLast(content.count - size)
        } else {
            content.append(contentsOf: repeatElement(0, count: size - content.count))
        }
    }

    // MARK: Paths

    private static func split(_ path: FilePath) -> (FilePath, String) {
        // String slicing of the normalised path, not `lastComponent`/`removeLastComponent`: in debug
        // builds swift-system checks the component view's invariants on every call, which was 60%
        // of the engine crash-point tests' time (measured with perf).
        let text = path.string
        precondition(text.first == "/", "SimFS paths are absolute: \(path)")
        let slash = text.lastIndex(of: "/")!
        let parent = slash == text.startIndex ? FilePath("/") : FilePath(String(text[..<slash]))
        return (parent, String(text[text.index(after: slash)...]))
    }

    private static func lookup(_ path: FilePath, in state: State) -> Node? {
        if path == "/" { return .directory }
        let (parent, name) = split(path)
        return state.directories[parent]?.current[name]
    }

    private func mutate<T: Sendable>(_ body: (inout State) throws(StorageError) -> T) throws(StorageError) -> T {
        try access(mutating: true, body)
    }

    private func access<T: Sendable>(mutating: Bool = false, _ body: (inout State) throws(StorageError) -> T) throws(StorageError) -> T {
        let result: Result<T, StorageError> = state.withLock { state in
            if let limit = state.crashAfter, state.mutations >= limit {
                return .failure(StorageError(.io(.ioError), "simulated crash: the machine is down"))
            }
            if mutating { state.mutations += 1 }
            do throws(StorageError) { return .success(try body(&state)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private static func openFile(_ handle: FileIOHandle, in state: State) -> OpenFile {
        guard let file = state.handles[handle.rawValue] else { preconditionFailure("SimFS: \(handle) is not open (EBADF)") }
        return file
    }

    // MARK: FileIO

    public func open(_ path: FilePath, access mode: FileAccess, options: FileOpenOptions) throws(StorageError) -> FileIOHandle {
        let exists = state.withLock { Self.lookup(path, in: $0) != nil }
        let creates = !exists && options.contains(.create)
        let body = { (state: inout State) throws(StorageError) -> FileIOHandle in
            let (parent, name) = Self.split(path)
            guard state.directories[parent] != nil else { throw .system(.noSuchFileOrDirectory, "open", file: path) }
            let inode: Int
            switch state.directories[parent]!.current[name] {
            case .directory?:
                throw .system(.isDirectory, "open", file: path)
            case .file(let existing)?:
                if options.contains(.create) && options.contains(.exclusiveCreate) {
                    throw .system(.fileExists, "open", file: path)
                }
                inode = existing
                if options.contains(.truncate) && mode == .readWrite {
                    state.inodes[inode]!.current = []
                    state.inodes[inode]!.unsynced.append(.resize(0))
                }
            case nil:
                guard options.contains(.create) else { throw .system(.noSuchFileOrDirectory, "open", file: path) }
                precondition(mode == .readWrite, "creating a read-only file")
                inode = state.nextInode
                state.nextInode += 1
                state.inodes[inode] = Inode()
                state.directories[parent]!.apply(.link(name, .file(inode)))
            }
            let handle = state.nextHandle
            state.nextHandle += 1
            state.handles[handle] = OpenFile(inode: inode, access: mode)
            return FileIOHandle(rawValue: handle)
        }
        return try access(mutating: creates || options.contains(.truncate), body)
    }

    public func close(_ file: FileIOHandle) throws(StorageError) {
        // Never fails, even after a simulated crash, so cleanup paths stay simple.
        state.withLock { state in
            let open = Self.openFile(file, in: state)
            if state.locks[open.inode] == file.rawValue { state.locks[open.inode] = nil }
            state.handles[file.rawValue] = nil
        }
    }

    public func read(_ file: FileIOHandle, fromAbsoluteOffset offset: Int64, into buffer: UnsafeMutableRawBufferPointer)
        throws(StorageError) -> Int
    {
        try access { (state: inout State) throws(StorageError) in
            let content = state.inodes[Self.openFile(file, in: state).inode]!.current
            guard offset >= 0 else { throw .system(.invalidArgument, "pread") }
            guard offset < Int64(content.count) else { return 0 }
            let count = min(buffer.count, content.count - Int(offset))
            content.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[Int(offset)..<(Int(offset) + count)]))
            }
            return count
        }
    }

    public func write(_ file: FileIOHandle, toAbsoluteOffset offset: Int64, _ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        try mutate { (state: inout State) throws(StorageError) in
            let open = Self.openFile(file, in: state)
            precondition(open.access == .readWrite, "SimFS: write to a read-only handle (EBADF)")
            guard offset >= 0 else { throw .system(.invalidArgument, "pwrite") }
            let data = Array(bytes)
            Self.write(&state.inodes[open.inode]!.current, at: Int(offset), data)
            state.inodes[open.inode]!.unsynced.append(.write(offset: Int(offset), bytes: data))
        }
    }

    public func size(of file: FileIOHandle) throws(StorageError) -> Int64 {
        try access { (state: inout State) throws(StorageError) in Int64(state.inodes[Self.openFile(file, in: state).inode]!.current.count) }
    }

    public func synchronize(_ file: FileIOHandle, dataOnly: Bool) throws(StorageError) {
        try mutate { (state: inout State) throws(StorageError) in
            let inode = Self.openFile(file, in: state).inode
            state.inodes[inode]!.synced = state.inodes[inode]!.current
            state.inodes[inode]!.unsynced = []
            state.syncCount += 1
        }
    }

    public func resize(_ file: FileIOHandle, to size: Int64) throws(StorageError) {
        try mutate { (state: inout State) throws(StorageError) in
            let open = Self.openFile(file, in: state)
            precondition(open.access == .readWrite, "SimFS: resize of a read-only handle (EBADF)")
            guard size >= 0 else { throw .system(.invalidArgument, "ftruncate") }
            Self.resize(&state.inodes[open.inode]!.current, to: Int(size))
            state.inodes[open.inode]!.unsynced.append(.resize(Int(size)))
        }
    }

    public func lock(_ file: FileIOHandle) throws(StorageError) {
        try access { (state: inout State) throws(StorageError) in
            let inode = Self.openFile(file, in: state).inode
            if let holder = state.locks[inode], holder != file.rawValue {
                throw StorageError(.io(.wouldBlock), "the file is locked by another open handle")
            }
            state.locks[inode] = file.rawValue
        }
    }

    public func unlock(_ file: FileIOHandle) throws(StorageError) {
        try access { (state: inout State) throws(StorageError) in
            let inode = Self.openFile(file, in: state).inode
            if state.locks[inode] == file.rawValue { state.locks[inode] = nil }
        }
    }

    public func map(_ file: FileIOHandle) throws(StorageError) -> MappedRegion {
        let content = try access { (state: inout State) throws(StorageError) in state.inodes[Self.openFile(file, in: state).inode]!.current }
        return MappedRegion(copying: content)
    }

    public func rename(_ source: FilePath, to destination: FilePath) throws(StorageError) {
        try mutate { (state: inout State) throws(StorageError) in
            let (fromParent, fromName) = Self.split(source)
            let (toParent, toName) = Self.split(destination)
            guard let node = state.directories[fromParent]?.current[fromName] else {
                throw .system(.noSuchFileOrDirectory, "rename", file: source)
            }
            guard state.directories[toParent] != nil else { throw .system(.noSuchFileOrDirectory, "rename", file: destination) }
            if source == destination { return }
            state.directories[toParent]!.apply(.link(toName, node))
            state.directories[fromParent]!.apply(.unlink(fromName))
        }
    }

    /// A second directory entry for the file at `source`: both names reach one content, and
    /// writes through either are seen through the other.
    ///
    /// Crash semantics follow ``rename(_:to:)``: the new entry is an unsynced change of its
    /// directory and survives ``crashImage(policy:seed:)`` only after ``synchronizeDirectory(_:)``
    /// (or, under ``CrashPolicy/random``, when the kept prefix of that directory's changes
    /// reaches it). A crash image keeps one content per file, shared by all its surviving names.
    public func link(_ source: FilePath, to destination: FilePath) throws(StorageError) {
        try mutate { (state: inout State) throws(StorageError) in
            let (fromParent, fromName) = Self.split(source)
            let (toParent, toName) = Self.split(destination)
            switch state.directories[fromParent]?.current[fromName] {
            case nil: throw .system(.noSuchFileOrDirectory, "link", file: source)
            case .directory?: throw .system(.notPermitted, "link", file: source)
            case .file(let inode)?:
                guard state.directories[toParent] != nil else {
                    throw .system(.noSuchFileOrDirectory, "link", file: destination)
                }
                guard state.directories[toParent]!.current[toName] == nil else {
                    throw .system(.fileExists, "link", file: destination)
                }
                state.directories[toParent]!.apply(.link(toName, .file(inode)))
            }
        }
    }

    public func remove(_ path: FilePath) throws(StorageError) {
        try mutate { (state: inout State) throws(StorageError) in
            let (parent, name) = Self.split(path)
            switch state.directories[parent]?.current[name] {
            case nil: throw .system(.noSuchFileOrDirectory, "unlink", file: path)
            case .directory?: throw .system(.isDirectory, "unlink", file: path)
            case .file?: state.directories[parent]!.apply(.unlink(name))
            }
        }
    }

    public func createDirectory(_ path: FilePath) throws(StorageError) {
        try mutate { (state: inout State) throws(StorageError) in
            let (parent, name) = Self.split(path)
            guard state.directories[parent] != nil else { throw .system(.noSuchFileOrDirectory, "mkdir", file: path) }
            guard state.directories[parent]!.current[name] == nil else { throw .system(.fileExists, "mkdir", file: path) }
            state.directories[parent]!.apply(.link(name, .directory))
            state.directories[path] = Directory()
        }
    }

    public func synchronizeDirectory(_ path: FilePath) throws(StorageError) {
        try mutate { (state: inout State) throws(StorageError) in
            guard state.directories[path] != nil, Self.lookup(path, in: state) == .directory else {
                throw .system(.noSuchFileOrDirectory, "open directory", file: path)
            }
            state.directories[path]!.synced = state.directories[path]!.current
            state.directories[path]!.unsynced = []
            state.directorySyncCount += 1
        }
    }

    public func contentsOfDirectory(_ path: FilePath) throws(StorageError) -> [String] {
        try access { (state: inout State) throws(StorageError) in
            guard Self.lookup(path, in: state) == .directory, let directory = state.directories[path] else {
                throw .system(.noSuchFileOrDirectory, "opendir", file: path)
            }
            return directory.current.keys.sorted()
        }
    }
}
