import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

/// Replays every input in `Fuzz/FailCases/FuzzWALReader/` through the fuzz body
/// (`WALReaderFuzzing.swift` is a link to `Fuzz/Sources/QuiverFuzzing/`, so this is the same code).
@Suite struct FuzzRegressionTests {
    static let failCases: FilePath = {
        var path = FilePath(#filePath)
        path.removeLastComponent()
        path.removeLastComponent()
        path.removeLastComponent()
        return path.appending("Fuzz/FailCases/FuzzWALReader")
    }()

    static let inputs: [String] = {
        ((try? PosixFileIO().contentsOfDirectory(failCases)) ?? []).filter { !$0.hasSuffix(".md") }.sorted()
    }()

    @Test(arguments: inputs)
    func replay(name: String) throws {
        let bytes = try PosixFileIO().readContents(of: Self.failCases.appending(name))
        bytes.withUnsafeBytes { fuzzWALReader($0) }
    }

    @Test func seedsRoundTrip() throws {
        var seeds = Self.failCases
        seeds.removeLastComponent()
        seeds.removeLastComponent()
        let directory = seeds.appending("Seeds/wal")
        let names = try PosixFileIO().contentsOfDirectory(directory)
        #expect(names.count >= 5)
        for name in names {
            let bytes = try PosixFileIO().readContents(of: directory.appending(name))
            var reader = try WALReader(bytes: bytes, mode: .absoluteConsistency)
            _ = try reader.readAll()
            bytes.withUnsafeBytes { fuzzWALReader($0) }
        }
    }
}
