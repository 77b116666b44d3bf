import Glibc
import NIOCore
import Testing

@testable import QuiverRESP

/// Replays every input in `Fuzz/FailCases/FuzzRESP/` and every seed in `Fuzz/Seeds/resp/`
/// through the fuzz body (`RESPFuzzing.swift` here is a link to
/// `Fuzz/Sources/QuiverFuzzing/RESPFuzzing.swift`, so this is the same code).
@Suite struct FuzzRegressionTests {
    static let fuzz: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/Fuzz"
    }()

    static func names(_ folder: String) -> [String] {
        guard let directory = opendir(fuzz + "/" + folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." && !name.hasSuffix(".md") { names.append(name) }
        }
        return names.sorted()
    }

    static func contents(_ folder: String, _ name: String) throws -> [UInt8] {
        let file = try #require(fopen(fuzz + "/" + folder + "/" + name, "rb"))
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        return bytes
    }

    @Test(arguments: names("FailCases/FuzzRESP"))
    func replay(name: String) throws {
        try Self.contents("FailCases/FuzzRESP", name).withUnsafeBytes { fuzzRESP($0) }
    }

    @Test func seedsRunAndParse() throws {
        let seeds = Self.names("Seeds/resp")
        #expect(seeds.count >= 12)
        for name in seeds {
            let bytes = try Self.contents("Seeds/resp", name)
            #expect(bytes.count <= 65_536, "libFuzzer runs with -max_len=65536")
            bytes.withUnsafeBytes { fuzzRESP($0) }
            // Request seeds parse to at least one command (or a protocol error), reply seeds to at
            // least one reply; `nul-inline` is the one whose line a NUL hides.
            let requests = DecoderVerifier.transcript({ RESPRequestParser() }, chunks: [bytes[...]])
            let replies = DecoderVerifier.transcript({ RESPReplyParser() }, chunks: [bytes[...]])
            let parses = !requests.outputs.isEmpty || !replies.outputs.isEmpty || requests.error != nil
            #expect(parses == (name != "nul-inline"), "\(name)")
        }
    }
}
