import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

@Suite struct FaultyFileIOTests {
    @Test func failsTheKthMatchingCallOnceOrFromThenOn() throws {
        let io = FaultyFileIO(wrapping: SimFS(), rules: [.init([.write], .once(2), .error(.noSpace))])
        let file = try io.open("/f", access: .readWrite, options: [.create])
        try io.write(file, toAbsoluteOffset: 0, [1])
        expectStorageError(.io(.noSpace)) { try io.write(file, toAbsoluteOffset: 1, [2]) }
        try io.write(file, toAbsoluteOffset: 1, [3])
        io.inject(.init([.synchronize, .resize], .from(2), .error(.ioError)))
        try io.synchronize(file, dataOnly: true)
        expectStorageError(.io(.ioError)) { try io.resize(file, to: 0) }
        expectStorageError(.io(.ioError)) { try io.synchronize(file, dataOnly: true) }
        io.clearFaults()
        try io.synchronize(file, dataOnly: true)
        #expect(io.count(of: .write) == 3 && io.count(of: .synchronize) == 3)
    }

    @Test func shortWriteStoresAPrefixThenFails() throws {
        let fs = SimFS()
        let io = FaultyFileIO(wrapping: fs, rules: [.init([.write], .once(1), .shortWrite(.noSpace))])
        let file = try io.open("/f", access: .readWrite, options: [.create])
        expectStorageError(.io(.noSpace)) { try io.write(file, toAbsoluteOffset: 0, [1, 2, 3, 4]) }
        #expect(fs.contents(of: "/f") == [1, 2])
    }

    @Test func recordsATrace() throws {
        let io = FaultyFileIO(wrapping: SimFS(), rules: [.init([.rename], .once(1), .error(.ioError))])
        let file = try io.open("/f", access: .readWrite, options: [.create])
        try io.write(file, toAbsoluteOffset: 0, [1, 2])
        try io.close(file)
        expectStorageError(.io(.ioError)) { try io.rename("/f", to: "/g") }
        #expect(io.trace.map(\.description) == ["open /f", "write /f @0 +2", "close /f", "rename /f !error(Input/output error)"])
    }

    @Test func linksCanFail() throws {
        let fs = SimFS()
        let io = FaultyFileIO(wrapping: fs, rules: [.init([.link], .once(1), .error(.noSpace))])
        try io.close(try io.open("/f", access: .readWrite, options: [.create]))
        expectStorageError(.io(.noSpace)) { try io.link("/f", to: "/g") }
        try io.link("/f", to: "/g")
        #expect(try fs.contentsOfDirectory("/") == ["f", "g"])
        #expect(io.trace.suffix(2).map(\.description) == ["link /f !error(No space left on device)", "link /f"])
    }
}
