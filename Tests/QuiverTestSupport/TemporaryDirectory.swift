internal import QuiverStorage
public import SystemPackage

#if canImport(Glibc)
private import Glibc
#elseif canImport(Darwin)
private import Darwin
#endif

/// Runs `body` with a fresh empty directory under `/tmp`, removed (with its files) afterwards.
public func withTemporaryDirectory<R>(_ body: (FilePath) throws -> R) throws -> R {
    let path = makeTemporaryDirectory()
    defer { removeTree(path) }
    return try body(path)
}

/// A fresh empty directory under `/tmp` for a fixture that outlives one closure; remove it
/// with ``removeTree(_:)``.
public func makeTemporaryDirectory() -> FilePath {
    var template = Array("/tmp/quiver-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed")
    return FilePath(String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
}

/// Removes `path` and everything under it.
public func removeTree(_ path: FilePath) {
    let io = PosixFileIO()
    for name in (try? io.contentsOfDirectory(path)) ?? [] {
        let child = path.appending(name)
        if (try? io.contentsOfDirectory(child)) != nil {
            removeTree(child)
        } else {
            try? io.remove(child)
        }
    }
    _ = path.withPlatformString { rmdir($0) }
}
