import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

@Suite struct PosixFileIOTests {
    let io = PosixFileIO()

    @Test func filesRoundTrip() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending("a.bin")
            let file = try io.open(path, access: .readWrite, options: [.create, .exclusiveCreate])
            try io.write(file, toAbsoluteOffset: 0, Array("hello".utf8))
            #expect(try io.append(file, Array(" world".utf8)) == 5)
            #expect(try io.size(of: file) == 11)
            #expect(try io.read(file, fromAbsoluteOffset: 6, count: 100) == Array("world".utf8))
            #expect(try io.read(file, fromAbsoluteOffset: 50, count: 4) == [])
            try io.synchronize(file, dataOnly: true)
            try io.synchronize(file, dataOnly: false)
            try io.resize(file, to: 5)
            #expect(try io.size(of: file) == 5)
            try io.resize(file, to: 8)
            #expect(try io.read(file, fromAbsoluteOffset: 0, count: 8) == Array("hello".utf8) + [0, 0, 0])
            try io.close(file)

            try io.createDirectory(directory.appending("sub"))
            try io.rename(path, to: directory.appending("sub/b.bin"))
            try io.synchronizeDirectory(directory)
            try io.synchronizeDirectory(directory.appending("sub"))
            #expect(try io.contentsOfDirectory(directory) == ["sub"])
            #expect(try io.contentsOfDirectory(directory.appending("sub")) == ["b.bin"])
            #expect(try io.readContents(of: directory.appending("sub/b.bin")).count == 8)
            try io.remove(directory.appending("sub/b.bin"))
            #expect(try io.contentsOfDirectory(directory.appending("sub")).isEmpty)
        }
    }

    @Test func reportsMissingAndExistingFiles() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending("missing")
            expectStorageError(.notFound) { try io.open(path, access: .readOnly, options: []) }
            expectStorageError(.notFound) { try io.remove(path) }
            expectStorageError(.notFound) { try io.contentsOfDirectory(path) }
            let file = try io.open(path, access: .readWrite, options: [.create])
            try io.close(file)
            expectStorageError(.io(.fileExists)) { try io.open(path, access: .readWrite, options: [.create, .exclusiveCreate]) }
            expectStorageError(.io(.fileExists)) { try io.createDirectory(directory) }
        }
    }

    @Test func advisoryLockExcludesASecondHandle() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending("LOCK")
            let first = try io.open(path, access: .readWrite, options: [.create])
            let second = try io.open(path, access: .readWrite, options: [])
            try io.lock(first)
            expectStorageError(.io(.wouldBlock)) { try io.lock(second) }
            try io.unlock(first)
            try io.lock(second)
            try io.close(second)
            try io.lock(first)
            try io.close(first)
        }
    }

    @Test func mapsFilesReadOnly() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending("m")
            let file = try io.open(path, access: .readWrite, options: [.create])
            defer { try? io.close(file) }
            let empty = try io.map(file)
            #expect(empty.count == 0)
            let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
            try io.write(file, toAbsoluteOffset: 0, bytes)
            let region = try io.map(file)
            #expect(region.count == bytes.count)
            #expect(region.withUnsafeBytes { Array($0) } == bytes)
            #expect(region.withBytes { $0.byteCount } == bytes.count)
        }
    }

    @Test func writeFullyFinishesShortWritesAndRetriesEINTR() {
        let bytes = (0..<100).map { UInt8($0) }
        var written = [UInt8](repeating: 0, count: 100)
        var calls: [(Int64, Int)] = []
        var step = 0
        let result = bytes.withUnsafeBytes { raw in
            PosixFileIO.writeFully(raw, toAbsoluteOffset: 1000) { chunk, offset in
                step += 1
                calls.append((offset, chunk.count))
                if step == 2 { return .failure(.interrupted) }
                let count = min(chunk.count, 30)
                for index in 0..<count { written[Int(offset) - 1000 + index] = chunk[index] }
                return .success(count)
            }
        }
        #expect((try? result.get()) != nil)
        #expect(written == bytes)
        #expect(calls.map(\.0) == [1000, 1030, 1030, 1060, 1090])
    }

    @Test func writeFullyReportsErrorsAndStalls() {
        let bytes = [UInt8](repeating: 1, count: 10)
        let noSpace = bytes.withUnsafeBytes { raw in
            PosixFileIO.writeFully(raw, toAbsoluteOffset: 0) { chunk, _ in chunk.count == 10 ? .success(4) : .failure(.noSpace) }
        }
        #expect(throws: Errno.noSpace) { try noSpace.get() }
        let stalled = bytes.withUnsafeBytes { raw in PosixFileIO.writeFully(raw, toAbsoluteOffset: 0) { _, _ in .success(0) } }
        #expect(throws: Errno.ioError) { try stalled.get() }
    }

    @Test func readFullyFinishesShortReadsRetriesEINTRAndStopsAtEOF() {
        let source = (0..<50).map { UInt8($0) }
        var buffer = [UInt8](repeating: 0, count: 80)
        var interrupted = false
        let result = buffer.withUnsafeMutableBytes { raw in
            PosixFileIO.readFully(into: raw, fromAbsoluteOffset: 0) { chunk, offset in
                if !interrupted {
                    interrupted = true
                    return .failure(.interrupted)
                }
                let available = max(0, min(chunk.count, 7, source.count - Int(offset)))
                for index in 0..<available { chunk[index] = source[Int(offset) + index] }
                return .success(available)
            }
        }
        #expect((try? result.get()) == 50)
        #expect(Array(buffer.prefix(50)) == source)
    }

    @Test func descriptorExtensionsWork() throws {
        try withTemporaryDirectory { directory in
            let descriptor = try FileDescriptor.open(
                directory.appending("f"), .readWrite, options: [.create], permissions: [.ownerReadWrite])
            defer { try? descriptor.close() }
            _ = try descriptor.writeAll(Array("abc".utf8))
            try descriptor.synchronize(dataOnly: true)
            try descriptor.synchronize()
            #expect(try descriptor.fileSize() == 3)
            try descriptor.lock()
            try descriptor.unlock()
        }
    }

    @Test func hardLinks() throws {
        try withTemporaryDirectory { directory in
            let a = directory.appending("a")
            let b = directory.appending("b")
            let file = try io.open(a, access: .readWrite, options: [.create])
            try io.write(file, toAbsoluteOffset: 0, [1, 2, 3])
            try io.close(file)
            try io.link(a, to: b)
            try io.synchronizeDirectory(directory)
            try io.remove(a)
            #expect(try io.readContents(of: b) == [1, 2, 3])
            expectStorageError(.notFound) { try io.link(a, to: directory.appending("c")) }
            let exists = expectStorageError(.io(.fileExists)) { try io.link(b, to: b) }
            #expect(exists?.file == b)
        }
    }
}
