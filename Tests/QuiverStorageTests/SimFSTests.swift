import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

@Suite struct SimFSTests {
    func write(_ fs: SimFS, _ path: FilePath, _ bytes: [UInt8], sync: Bool) throws {
        let file = try fs.open(path, access: .readWrite, options: [.create])
        try fs.write(file, toAbsoluteOffset: try fs.size(of: file), bytes)
        if sync { try fs.synchronize(file, dataOnly: true) }
        try fs.close(file)
    }

    @Test func closeIsNotASync() throws {
        let fs = SimFS()
        try write(fs, "/a", [1, 2, 3], sync: false)
        try fs.synchronizeDirectory("/")
        #expect(fs.crashImage(policy: .syncedOnly).contents(of: "/a") == [])
        #expect(fs.crashImage(policy: .allIssued).contents(of: "/a") == [1, 2, 3])
    }

    @Test func newEntriesNeedADirectorySync() throws {
        let fs = SimFS()
        try write(fs, "/a", [1], sync: true)
        #expect(fs.crashImage(policy: .syncedOnly).contents(of: "/a") == nil)
        try fs.synchronizeDirectory("/")
        #expect(fs.crashImage(policy: .syncedOnly).contents(of: "/a") == [1])
        try fs.rename("/a", to: "/b")
        #expect(fs.crashImage(policy: .syncedOnly).contents(of: "/a") == [1])
        #expect(fs.crashImage(policy: .allIssued).contents(of: "/b") == [1])
        try fs.remove("/b")
        #expect(try fs.contentsOfDirectory("/").isEmpty)
        #expect(fs.crashImage(policy: .syncedOnly).contents(of: "/a") == [1])
    }

    @Test func randomImagesKeepDropOrTearUnsyncedWrites() throws {
        let fs = SimFS()
        try write(fs, "/log", [UInt8](repeating: 1, count: 1000), sync: true)
        try fs.synchronizeDirectory("/")
        try write(fs, "/log", [UInt8](repeating: 2, count: 10_000), sync: false)
        var sizes = Set<Int>()
        var sawGarbage = false
        var sawZeros = false
        for seed in 0..<200 {
            let content = fs.crashImage(policy: .random, seed: UInt64(seed)).contents(of: "/log")!
            #expect(content.prefix(1000).allSatisfy { $0 == 1 }, "synced bytes survive")
            sizes.insert(content.count)
            let tail = content.dropFirst(1000)
            if let firstOther = tail.firstIndex(where: { $0 != 2 }) {
                if tail[firstOther...].allSatisfy({ $0 == 0 }) { sawZeros = true } else { sawGarbage = true }
            }
        }
        #expect(sizes.contains(1000) && sizes.contains(11_000))
        #expect(sizes.contains { $0 > 1000 && $0 < 11_000 && ($0 % 512 == 0 || $0 % 4096 == 0) })
        #expect(sawZeros && sawGarbage)
        let again = fs.crashImage(policy: .random, seed: 7).contents(of: "/log")
        #expect(fs.crashImage(policy: .random, seed: 7).contents(of: "/log") == again, "images are deterministic")
    }

    @Test func crashStopsTheWorld() throws {
        let fs = SimFS()
        fs.crash(afterMutations: 2)
        let file = try fs.open("/a", access: .readWrite, options: [.create])
        try fs.write(file, toAbsoluteOffset: 0, [1])
        expectStorageError(.io(.ioError)) { try fs.write(file, toAbsoluteOffset: 1, [2]) }
        expectStorageError(.io(.ioError)) { try fs.size(of: file) }
        #expect(fs.contents(of: "/a") == [1])
        #expect(fs.mutationCount == 2)
    }

    @Test func mirrorsPosixErrorsAndLocks() throws {
        let fs = SimFS()
        expectStorageError(.notFound) { try fs.open("/missing", access: .readOnly, options: []) }
        expectStorageError(.notFound) { try fs.open("/no/such", access: .readWrite, options: [.create]) }
        try fs.createDirectory("/d")
        expectStorageError(.io(.fileExists)) { try fs.createDirectory("/d") }
        let first = try fs.open("/d/x", access: .readWrite, options: [.create, .exclusiveCreate])
        expectStorageError(.io(.fileExists)) { try fs.open("/d/x", access: .readWrite, options: [.create, .exclusiveCreate]) }
        let second = try fs.open("/d/x", access: .readWrite, options: [])
        try fs.lock(first)
        expectStorageError(.io(.wouldBlock)) { try fs.lock(second) }
        try fs.close(first)
        try fs.lock(second)
        try fs.write(second, toAbsoluteOffset: 4, [9])
        #expect(try fs.map(second).withUnsafeBytes { Array($0) } == [0, 0, 0, 0, 9])
        try fs.resize(second, to: 2)
        #expect(try fs.read(second, fromAbsoluteOffset: 0, count: 10) == [0, 0])
        try fs.close(second)
        #expect(fs.openHandleCount == 0)
        #expect(try fs.contentsOfDirectory("/") == ["d"])
    }

    @Test func linksShareContentAndNeedADirectorySync() throws {
        let fs = SimFS()
        try fs.createDirectory("/d")
        try fs.synchronizeDirectory("/")
        try write(fs, "/d/a", [1, 2], sync: true)
        try fs.synchronizeDirectory("/d")
        try fs.link("/d/a", to: "/d/b")
        #expect(fs.contents(of: "/d/b") == [1, 2])
        #expect(fs.crashImage(policy: .syncedOnly).contents(of: "/d/b") == nil, "the new name is not durable yet")
        #expect(fs.crashImage(policy: .allIssued).contents(of: "/d/b") == [1, 2])
        try fs.synchronizeDirectory("/d")
        let image = fs.crashImage(policy: .syncedOnly)
        #expect(image.contents(of: "/d/b") == [1, 2])
        // One content behind both names, also in a crash image.
        try write(fs, "/d/b", [3], sync: true)
        #expect(fs.contents(of: "/d/a") == [1, 2, 3])
        let file = try image.open("/d/a", access: .readWrite, options: [])
        try image.write(file, toAbsoluteOffset: 0, [9])
        try image.close(file)
        #expect(image.contents(of: "/d/b") == [9, 2])
        try fs.remove("/d/a")
        #expect(fs.contents(of: "/d/b") == [1, 2, 3])
        expectStorageError(.notFound) { try fs.link("/d/a", to: "/d/c") }
        expectStorageError(.io(.fileExists)) { try fs.link("/d/b", to: "/d/b") }
        expectStorageError(.notFound) { try fs.link("/d/b", to: "/e/b") }
        expectStorageError(.io(.notPermitted)) { try fs.link("/d", to: "/e") }
    }
}
