public import SystemPackage
internal import QuiverIndex

/// A file system held in memory: what an in-memory database runs on. Nothing survives the
/// process; syncs do nothing; mappings are private copies of a file's bytes.
///
/// Paths are taken as given (no `..` resolution); directories must be created before files are
/// made in them, as on a real file system.
public final class MemoryFileIO: FileIO {
    private struct Open {
        var path: FilePath
        var access: FileAccess
    }

    private struct State {
        var files: [FilePath: [UInt8]] = [:]
        var directories: Set<FilePath> = ["/"]
        var open: [Int32: Open] = [:]
        var locked: Set<FilePath> = []
        var nextHandle: Int32 = 3
    }

    private let state = Locked(State())

    /// An empty file system with only `/`.
    public init() {}

    private static func parent(of path: FilePath) -> FilePath {
        let parent = path.removingLastComponent()
        return parent.isEmpty ? "." : parent
    }

    private func hasDirectory(_ path: FilePath, in state: State) -> Bool {
        path == "." || state.directories.contains(path)
    }

    public func open(_ path: FilePath, access: FileAccess, options: FileOpenOptions) throws(StorageError) -> FileIOHandle {
        try state.withLock { (state) throws(StorageError) -> FileIOHandle in
            if state.files[path] == nil {
                guard options.contains(.create) else { throw StorageError.system(.noSuchFileOrDirectory, "open", file: path) }
                guard hasDirectory(Self.parent(of: path), in: state) else {
                    throw StorageError.system(.noSuchFileOrDirectory, "open", file: path)
                }
                state.files[path] = []
            } else if options.contains(.create) && options.contains(.exclusiveCreate) {
                throw StorageError.system(.fileExists, "open", file: path)
            }
            if options.contains(.truncate) { state.files[path] = [] }
            let handle = state.nextHandle
            state.nextHandle += 1
            state.open[handle] = Open(path: path, access: access)
            return FileIOHandle(rawValue: handle)
        }
    }

    private func path(of file: FileIOHandle, in state: State, writing: Bool = false) throws(StorageError) -> FilePath {
        guard let open = state.open[file.rawValue] else { throw StorageError.system(.badFileDescriptor, "use") }
        if writing, open.access == .readOnly { throw StorageError.system(.badFileDescriptor, "write", file: open.path) }
        return open.path
    }

    public func close(_ file: FileIOHandle) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            guard let open = state.open.removeValue(forKey: file.rawValue) else {
                throw StorageError.system(.badFileDescriptor, "close")
            }
            if !state.open.values.contains(where: { $0.path == open.path }) { state.locked.remove(open.path) }
        }
    }

    public func read(
        _ file: FileIOHandle, fromAbsoluteOffset offset: Int64, into buffer: UnsafeMutableRawBufferPointer
    ) throws(StorageError) -> Int {
        try state.withLock { (state) throws(StorageError) -> Int in
            let path = try path(of: file, in: state)
            let bytes = state.files[path] ?? []
            guard offset >= 0 else { throw StorageError.system(.invalidArgument, "read", file: path) }
            guard offset < Int64(bytes.count) else { return 0 }
            let count = min(buffer.count, bytes.count - Int(offset))
            bytes.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[Int(offset)..<Int(offset) + count]))
            }
            return count
        }
    }

    public func write(_ file: FileIOHandle, toAbsoluteOffset offset: Int64, _ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            let path = try path(of: file, in: state, writing: true)
            guard offset >= 0 else { throw StorageError.system(.invalidArgument, "write", file: path) }
            var content = state.files[path] ?? []
            let end = Int(offset) + bytes.count
            if content.count < end { content.append(contentsOf: repeatElement(0, count: end - content.count)) }
            content.withUnsafeMutableBytes { target in
                UnsafeMutableRawBufferPointer(rebasing: target[Int(offset)..<end]).copyMemory(from: bytes)
            }
            state.files[path] = content
        }
    }

    public func size(of file: FileIOHandle) throws(StorageError) -> Int64 {
        try state.withLock { (state) throws(StorageError) -> Int64 in
            Int64(state.files[try path(of: file, in: state)]?.count ?? 0)
        }
    }

    public func synchronize(_ file: FileIOHandle, dataOnly: Bool) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in _ = try path(of: file, in: state) }
    }

    public func resize(_ file: FileIOHandle, to size: Int64) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            let path = try path(of: file, in: state, writing: true)
            guard size >= 0 else { throw StorageError.system(.invalidArgument, "resize", file: path) }
            var content = state.files[path] ?? []
            if content.count > Int(size) {
                content.removeLast(content.count - Int(size))
            } else {
                content.append(contentsOf: repeatElement(0, count: Int(size) - content.count))
            }
            state.files[path] = content
        }
    }

    public func lock(_ file: FileIOHandle) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            let path = try path(of: file, in: state)
            guard state.locked.insert(path).inserted else {
                throw StorageError.system(.wouldBlock, "lock", file: path)
            }
        }
    }

    public func unlock(_ file: FileIOHandle) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in _ = state.locked.remove(try path(of: file, in: state)) }
    }

    public func map(_ file: FileIOHandle) throws(StorageError) -> MappedRegion {
        let bytes = try state.withLock { (state) throws(StorageError) -> [UInt8] in state.files[try path(of: file, in: state)] ?? [] }
        return MappedRegion(copying: bytes)
    }

    public func rename(_ source: FilePath, to destination: FilePath) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            guard let bytes = state.files.removeValue(forKey: source) else {
                throw StorageError.system(.noSuchFileOrDirectory, "rename", file: source)
            }
            state.files[destination] = bytes
            for (handle, open) in state.open where open.path == source { state.open[handle]?.path = destination }
        }
    }

    public func remove(_ path: FilePath) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            if state.files.removeValue(forKey: path) != nil { return }
            if state.directories.contains(path) {
                guard !state.files.keys.contains(where: { Self.parent(of: $0) == path }) else {
                    throw StorageError.system(.directoryNotEmpty, "remove", file: path)
                }
                state.directories.remove(path)
                return
            }
            throw StorageError.system(.noSuchFileOrDirectory, "remove", file: path)
        }
    }

    public func link(_ source: FilePath, to destination: FilePath) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            // Files are values here, so a link is a copy; nothing writes an immutable segment anyway.
            guard let bytes = state.files[source] else { throw StorageError.system(.noSuchFileOrDirectory, "link", file: source) }
            guard state.files[destination] == nil else { throw StorageError.system(.fileExists, "link", file: destination) }
            state.files[destination] = bytes
        }
    }

    public func createDirectory(_ path: FilePath) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            guard !state.directories.contains(path), state.files[path] == nil else {
                throw StorageError.system(.fileExists, "mkdir", file: path)
            }
            state.directories.insert(path)
        }
    }

    public func synchronizeDirectory(_ path: FilePath) throws(StorageError) {}

    public func contentsOfDirectory(_ path: FilePath) throws(StorageError) -> [String] {
        try state.withLock { (state) throws(StorageError) -> [String] in
            guard hasDirectory(path, in: state) else { throw StorageError.system(.noSuchFileOrDirectory, "opendir", file: path) }
            let files = state.files.keys.filter { Self.parent(of: $0) == path }.compactMap { $0.lastComponent?.string }
            let directories = state.directories.filter { $0 != path && Self.parent(of: $0) == path }.compactMap { $0.lastComponent?.string }
            return (files + directories).sorted()
        }
    }
}
