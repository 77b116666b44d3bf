public import QuiverStorage
internal import Synchronization
public import SystemPackage

/// Wraps any ``FileIO`` and records, per directory, the trace the ``IOOrderingAuditor`` checks
/// (reliability spec T16): every create, write, sync, directory sync, rename, link and remove
/// that reached the file system, in the order they completed.
///
/// Writes to a manifest file become ``IOOrderingAuditor/Event/manifestWrite(_:references:dropping:retiring:)``
/// events whose annotations come from the engine's own decoders, not from guesses: after the
/// write the manifest file is read back and folded with `ManifestReader` and
/// `ManifestState.applying(_:)`, and the result is diffed against the state before the write.
/// A segment the new state holds and the old did not is *referenced*; one the old state held
/// and the new does not is *dropped*; a log file is *retired* when it is not the newest log file
/// and `WALReader` finds no record in it above the new checkpoint. A new manifest file (a roll,
/// or a first manifest) references every segment of its snapshot and drops what the previous
/// manifest held beyond it.
///
/// A directory that already holds a manifest when the tracer first touches it starts its trace
/// with a synthetic, synced manifest write of that state, so removals of files it references
/// are checked too.
///
/// Acknowledgements are not file operations: the test records them with
/// ``recordAck(sequence:file:end:)`` once the write returned.
///
/// Every call runs under one lock, so the trace is in the order the calls completed.
public final class TracingFileIO: FileIO {
    /// The wrapped file system.
    public let base: any FileIO
    private let state = Mutex(State())

    private struct State {
        var paths: [FileIOHandle: FilePath] = [:]
        var traces: [String: [IOOrderingAuditor.Event]] = [:]
        var seeded: Set<String> = []
        /// The decoded state of each manifest file after its last traced write.
        var manifests: [String: ManifestState] = [:]
        /// Per directory, the state of the manifest written (or found) last.
        var live: [String: ManifestState] = [:]
        var problems: [String] = []
    }

    /// Wraps `base`.
    public init(wrapping base: any FileIO) { self.base = base }

    /// The trace of operations on files directly inside `directory`, in order.
    public func trace(of directory: FilePath) -> [IOOrderingAuditor.Event] {
        state.withLock { $0.traces[directory.string] ?? [] }
    }

    /// What the tracer could not annotate (a manifest write it could not decode, say); empty
    /// when every event is as described.
    public var problems: [String] { state.withLock { $0.problems } }

    /// Records that the write with `sequence` was acknowledged, covering log file `file` up to
    /// byte `end`.
    public func recordAck(sequence: UInt64, file: FilePath, end: Int64) {
        let (directory, name) = Self.split(file)
        state.withLock { state in
            state.traces[directory, default: []].append(.ack(Int(sequence), walFile: name, end: end))
        }
    }

    // MARK: Recording

    private static func split(_ path: FilePath) -> (directory: String, name: String) {
        (path.removingLastComponent().string, path.lastComponent?.string ?? path.string)
    }

    private func append(_ event: IOOrderingAuditor.Event, in directory: String, _ state: inout State) {
        state.traces[directory, default: []].append(event)
    }

    /// The first time `directory` is touched: a manifest already there becomes a synced edit.
    private func seed(_ directory: String, _ state: inout State) {
        guard state.seeded.insert(directory).inserted else { return }
        let layout = DataDirectoryLayout(root: FilePath(directory))
        guard let contents = try? Manifest.read(fileIO: base, layout: layout) else { return }
        let name = DataDirectoryLayout.name(of: .manifest(contents.number))
        let references = Set(contents.state.segments.map { DataDirectoryLayout.name(of: .segment($0.number)) })
        let retiring = retiredLogs(in: layout, checkpoint: contents.state.checkpointSequence, &state)
        append(.manifestWrite(name, references: references, dropping: [], retiring: retiring), in: directory, &state)
        append(.sync(name), in: directory, &state)
        state.manifests[contents.path.string] = contents.state
        state.live[directory] = contents.state
    }

    /// The log files of `layout` whose every record is at or below `checkpoint`, except the
    /// newest (appends still go there).
    private func retiredLogs(in layout: DataDirectoryLayout, checkpoint: UInt64, _ state: inout State) -> Set<String> {
        guard let names = try? base.contentsOfDirectory(layout.root) else { return [] }
        var retired: Set<String> = []
        for number in DataDirectoryLayout.walNumbers(in: names).dropLast() {
            let path = layout.walFile(number)
            do {
                let file = try base.open(path, access: .readOnly, options: [])
                defer { try? base.close(file) }
                var reader = try WALReader(fileIO: base, file: file, path: path)
                while try reader.next() != nil {}
                let last = reader.lastSequence ?? (reader.header.firstSequence - 1)
                if last <= checkpoint { retired.insert(path.lastComponent!.string) }
            } catch {
                state.problems.append("cannot read \(path) to decide whether it is retired: \(error)")
            }
        }
        return retired
    }

    /// The fold of every record of the manifest file at `path`, or `nil` for an empty file.
    private func decodeManifest(_ path: FilePath) throws(StorageError) -> ManifestState? {
        let bytes = try base.readContents(of: path)
        if bytes.isEmpty { return nil }
        var reader = try ManifestReader(bytes: bytes, path: path)
        var decoded = ManifestState()
        while let edit = try reader.next() { decoded = try decoded.applying(edit) }
        if let dropped = reader.droppedTail {
            throw StorageError(.corruption, "\(dropped) bytes after the last whole record", file: path)
        }
        return decoded
    }

    /// Writes to a manifest file, recorded as a manifest write annotated from the decoded states.
    private func writeManifest(
        _ file: FileIOHandle, path: FilePath, offset: Int64, _ bytes: UnsafeRawBufferPointer, _ state: inout State
    ) throws(StorageError) {
        let (directory, name) = Self.split(path)
        let before: ManifestState?
        if let known = state.manifests[path.string] {
            before = known
        } else {
            before = try? decodeManifest(path)
        }
        do {
            try base.write(file, toAbsoluteOffset: offset, bytes)
        } catch {
            // A prefix may have been written: the file changed, and is not durable.
            append(.write(name, offset: offset, count: bytes.count), in: directory, &state)
            state.manifests[path.string] = nil
            throw error
        }
        let after: ManifestState
        do {
            guard let decoded = try decodeManifest(path) else {
                throw StorageError(.corruption, "the manifest is empty after a write", file: path)
            }
            after = decoded
        } catch {
            state.problems.append("cannot decode \(name) after a write at \(offset): \(error)")
            append(.write(name, offset: offset, count: bytes.count), in: directory, &state)
            return
        }
        func segments(_ manifest: ManifestState?) -> Set<String> {
            Set((manifest?.segments ?? []).map { DataDirectoryLayout.name(of: .segment($0.number)) })
        }
        let previous = before ?? state.live[directory]
        let references = before == nil ? segments(after) : segments(after).subtracting(segments(before))
        let dropping = segments(previous).subtracting(segments(after))
        let layout = DataDirectoryLayout(root: FilePath(directory))
        let retiring = retiredLogs(in: layout, checkpoint: after.checkpointSequence, &state)
        append(
            .manifestWrite(name, references: references, dropping: dropping, retiring: retiring), in: directory, &state)
        state.manifests[path.string] = after
        state.live[directory] = after
    }

    // MARK: FileIO

    public func open(
        _ path: FilePath, access: FileAccess, options: FileOpenOptions
    ) throws(StorageError) -> FileIOHandle {
        try state.withLock { (state: inout State) throws(StorageError) -> FileIOHandle in
            let (directory, name) = Self.split(path)
            seed(directory, &state)
            let existed =
                options.contains(.create) ? ((try? base.fileExists(name, in: FilePath(directory))) ?? true) : true
            let handle = try base.open(path, access: access, options: options)
            state.paths[handle] = path
            if !existed { append(.create(name), in: directory, &state) }
            if existed && options.contains(.truncate) {
                append(.write(name, offset: 0, count: 0), in: directory, &state)
            }
            if options.contains(.truncate) { state.manifests[path.string] = nil }
            return handle
        }
    }

    public func close(_ file: FileIOHandle) throws(StorageError) {
        try state.withLock { (state: inout State) throws(StorageError) in
            state.paths[file] = nil
            try base.close(file)
        }
    }

    public func read(
        _ file: FileIOHandle, fromAbsoluteOffset offset: Int64, into buffer: UnsafeMutableRawBufferPointer
    )
        throws(StorageError) -> Int
    {
        try base.read(file, fromAbsoluteOffset: offset, into: buffer)
    }

    public func write(
        _ file: FileIOHandle, toAbsoluteOffset offset: Int64, _ bytes: UnsafeRawBufferPointer
    ) throws(StorageError) {
        try state.withLock { (state: inout State) throws(StorageError) in
            guard let path = state.paths[file] else { return try base.write(file, toAbsoluteOffset: offset, bytes) }
            let (directory, name) = Self.split(path)
            if case .manifest? = DataDirectoryLayout.parse(name) {
                return try writeManifest(file, path: path, offset: offset, bytes, &state)
            }
            defer { append(.write(name, offset: offset, count: bytes.count), in: directory, &state) }
            try base.write(file, toAbsoluteOffset: offset, bytes)
        }
    }

    public func size(of file: FileIOHandle) throws(StorageError) -> Int64 { try base.size(of: file) }

    public func synchronize(_ file: FileIOHandle, dataOnly: Bool) throws(StorageError) {
        try state.withLock { (state: inout State) throws(StorageError) in
            try base.synchronize(file, dataOnly: dataOnly)
            if let path = state.paths[file] {
                let (directory, name) = Self.split(path)
                append(.sync(name), in: directory, &state)
            }
        }
    }

    public func resize(_ file: FileIOHandle, to size: Int64) throws(StorageError) {
        try state.withLock { (state: inout State) throws(StorageError) in
            try base.resize(file, to: size)
            if let path = state.paths[file] {
                // The bytes from `size` on changed (cut off or zero-filled) and are not yet durable.
                let (directory, name) = Self.split(path)
                append(.write(name, offset: size, count: 0), in: directory, &state)
                state.manifests[path.string] = nil
            }
        }
    }

    public func lock(_ file: FileIOHandle) throws(StorageError) { try base.lock(file) }

    public func unlock(_ file: FileIOHandle) throws(StorageError) { try base.unlock(file) }

    public func map(_ file: FileIOHandle) throws(StorageError) -> MappedRegion { try base.map(file) }

    public func rename(_ source: FilePath, to destination: FilePath) throws(StorageError) {
        try state.withLock { (state: inout State) throws(StorageError) in
            let (directory, name) = Self.split(source)
            let (destinationDirectory, destinationName) = Self.split(destination)
            seed(directory, &state)
            try base.rename(source, to: destination)
            if directory == destinationDirectory {
                append(.rename(name, to: destinationName), in: directory, &state)
            } else {
                state.problems.append("rename across directories: \(source) to \(destination)")
            }
            state.manifests[destination.string] = state.manifests.removeValue(forKey: source.string)
        }
    }

    public func remove(_ path: FilePath) throws(StorageError) {
        try state.withLock { (state: inout State) throws(StorageError) in
            let (directory, name) = Self.split(path)
            seed(directory, &state)
            try base.remove(path)
            append(.remove(name), in: directory, &state)
            state.manifests[path.string] = nil
        }
    }

    public func link(_ source: FilePath, to destination: FilePath) throws(StorageError) {
        try state.withLock { (state: inout State) throws(StorageError) in
            let (directory, name) = Self.split(destination)
            seed(directory, &state)
            try base.link(source, to: destination)
            // A new entry for content that is already durable (linked files are immutable).
            append(.create(name), in: directory, &state)
        }
    }

    public func createDirectory(_ path: FilePath) throws(StorageError) {
        try state.withLock { (state: inout State) throws(StorageError) in
            let (directory, name) = Self.split(path)
            seed(directory, &state)
            try base.createDirectory(path)
            append(.create(name), in: directory, &state)
        }
    }

    public func synchronizeDirectory(_ path: FilePath) throws(StorageError) {
        try state.withLock { (state: inout State) throws(StorageError) in
            seed(path.string, &state)
            try base.synchronizeDirectory(path)
            append(.syncDirectory, in: path.string, &state)
        }
    }

    public func contentsOfDirectory(_ path: FilePath) throws(StorageError) -> [String] {
        try state.withLock { (state: inout State) throws(StorageError) -> [String] in
            seed(path.string, &state)
            return try base.contentsOfDirectory(path)
        }
    }
}
