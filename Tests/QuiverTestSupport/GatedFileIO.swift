public import QuiverStorage
public import SystemPackage
internal import Synchronization
#if canImport(Glibc)
private import Glibc
#elseif canImport(Darwin)
private import Darwin
#endif

/// Wraps any ``FileIO`` and holds chosen `synchronize` calls (`fsync`/`fdatasync`) until the test
/// lets them go: a writer stopped in the middle of its commit, for as long as the test needs, so
/// that what others can do meanwhile is checked without timing luck.
public final class GatedFileIO: FileIO {
    private struct State {
        var paths: [FileIOHandle: FilePath] = [:]
        var holding: (@Sendable (FilePath) -> Bool)?
        var held = 0
    }

    /// The wrapped file system.
    public let base: any FileIO
    private let state = Mutex(State())

    /// Wraps `base` (by default the real file system); nothing is held until ``hold(_:)``.
    public init(wrapping base: any FileIO = PosixFileIO()) { self.base = base }

    /// From now on, `synchronize` calls on files whose path `matches` wait until ``release()``.
    public func hold(_ matches: @escaping @Sendable (FilePath) -> Bool) { state.withLock { $0.holding = matches } }

    /// Lets every held call, and every later one, through.
    public func release() { state.withLock { $0.holding = nil } }

    /// How many calls are waiting now.
    public var held: Int { state.withLock { $0.held } }

    /// Waits until at least `count` calls are held, for at most `seconds`; returns whether they are.
    public func waitUntilHeld(_ count: Int = 1, seconds: Int = 10) -> Bool {
        waitUntil(seconds: seconds) { held >= count }
    }

    public func synchronize(_ file: FileIOHandle, dataOnly: Bool) throws(StorageError) {
        let counted = state.withLock { state -> Bool in
            guard let holding = state.holding, let path = state.paths[file], holding(path) else { return false }
            state.held += 1
            return true
        }
        if counted {
            while state.withLock({ state in state.holding.map { holding in state.paths[file].map(holding) ?? false } ?? false }) {
                usleep(1000)
            }
            state.withLock { $0.held -= 1 }
        }
        try base.synchronize(file, dataOnly: dataOnly)
    }

    public func open(_ path: FilePath, access: FileAccess, options: FileOpenOptions) throws(StorageError) -> FileIOHandle {
        let handle = try base.open(path, access: access, options: options)
        state.withLock { $0.paths[handle] = path }
        return handle
    }

    public func close(_ file: FileIOHandle) throws(StorageError) {
        try base.close(file)
        state.withLock { $0.paths[file] = nil }
    }

    public func read(_ file: FileIOHandle, fromAbsoluteOffset offset: Int64, into buffer: UnsafeMutableRawBufferPointer)
        throws(StorageError) -> Int
    {
        try base.read(file, fromAbsoluteOffset: offset, into: buffer)
    }

    public func write(_ file: FileIOHandle, toAbsoluteOffset offset: Int64, _ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        try base.write(file, toAbsoluteOffset: offset, bytes)
    }

    public func size(of file: FileIOHandle) throws(StorageError) -> Int64 { try base.size(of: file) }
    public func resize(_ file: FileIOHandle, to size: Int64) throws(StorageError) { try base.resize(file, to: size) }
    public func lock(_ file: FileIOHandle) throws(StorageError) { try base.lock(file) }
    public func unlock(_ file: FileIOHandle) throws(StorageError) { try base.unlock(file) }
    public func map(_ file: FileIOHandle) throws(StorageError) -> MappedRegion { try base.map(file) }
    public func rename(_ source: FilePath, to destination: FilePath) throws(StorageError) { try base.rename(source, to: destination) }
    public func remove(_ path: FilePath) throws(StorageError) { try base.remove(path) }
    public func link(_ source: FilePath, to destination: FilePath) throws(StorageError) { try base.link(source, to: destination) }
    public func createDirectory(_ path: FilePath) throws(StorageError) { try base.createDirectory(path) }
    public func synchronizeDirectory(_ path: FilePath) throws(StorageError) { try base.synchronizeDirectory(path) }
    public func contentsOfDirectory(_ path: FilePath) throws(StorageError) -> [String] { try base.contentsOfDirectory(path) }
}
