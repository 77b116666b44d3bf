import Testing

@testable import QuiverServer

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ServerConfigurationFileTests {
    @Test func readsAFile() throws {
        var template = Array("/tmp/quiverd-conf-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(descriptor >= 0)
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        let text = "port 7001\n" + String(repeating: "# padding past one read\n", count: 5000) + "maxclients 9\n"
        let written = Array(text.utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        #expect(written == text.utf8.count)
        #expect(try ServerConfiguration.readFile(at: path) == text)
        let configuration = try ServerConfiguration.resolve(file: (path, try ServerConfiguration.readFile(at: path)), commandLine: [])
        #expect(configuration.port == 7001)
        #expect(configuration.maxClients == 9)
    }

    @Test func aMissingFileNamesItself() {
        #expect {
            _ = try ServerConfiguration.readFile(at: "/nonexistent/quiverd.conf")
        } throws: { error in
            "\(error)".hasPrefix("/nonexistent/quiverd.conf: cannot open")
        }
    }
}
