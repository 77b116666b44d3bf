import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

/// Replays every input in `Fuzz/FailCases/<target>/` through the fuzz body of its target (the
/// `*Fuzzing.swift` files here are links to `Fuzz/Sources/QuiverFuzzing/`, so this is the same
/// code), and checks the committed seeds.
@Suite struct FuzzRegressionTests {
    static let fuzz: FilePath = {
        var path = FilePath(#filePath)
        path.removeLastComponent()
        path.removeLastComponent()
        path.removeLastComponent()
        return path.appending("Fuzz")
    }()

    static let failCases: FilePath = fuzz.appending("FailCases/FuzzWALReader")

    static func inputs(_ folder: String) -> [String] {
        ((try? PosixFileIO().contentsOfDirectory(fuzz.appending(folder))) ?? []).filter { !$0.hasSuffix(".md") }
            .sorted()
    }

    static func bytes(_ folder: String, _ name: String) throws -> [UInt8] {
        try PosixFileIO().readContents(of: fuzz.appending(folder).appending(name))
    }

    static let inputs: [String] = inputs("FailCases/FuzzWALReader")

    @Test(arguments: inputs)
    func replay(name: String) throws {
        let bytes = try PosixFileIO().readContents(of: Self.failCases.appending(name))
        bytes.withUnsafeBytes { fuzzWALReader($0) }
    }

    @Test(arguments: inputs("FailCases/FuzzSegmentReader"))
    func replaySegmentReader(name: String) throws {
        try Self.bytes("FailCases/FuzzSegmentReader", name).withUnsafeBytes { fuzzSegmentReader($0) }
    }

    @Test(arguments: inputs("FailCases/FuzzManifestDecoder"))
    func replayManifestDecoder(name: String) throws {
        try Self.bytes("FailCases/FuzzManifestDecoder", name).withUnsafeBytes { fuzzManifestDecoder($0) }
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

    /// The segment seeds are valid segments (so the fuzzer starts past the checksums) and the
    /// manifest seeds valid manifests; each also runs through its fuzz body.
    @Test func segmentAndManifestSeedsAreValid() throws {
        let segments = Self.inputs("Seeds/segment")
        #expect(segments.count >= 4)
        for name in segments {
            let bytes = try Self.bytes("Seeds/segment", name)
            #expect(bytes.count <= 65_536, "libFuzzer runs with -max_len=65536")
            let fs = SimFS()
            fs.setContents(of: "/seed.bin", to: bytes)
            try SegmentFile.open(fileIO: fs, path: "/seed.bin").verifyAll()
            bytes.withUnsafeBytes { fuzzSegmentReader($0) }
        }
        let manifests = Self.inputs("Seeds/manifest")
        #expect(manifests.count >= 3)
        for name in manifests {
            let bytes = try Self.bytes("Seeds/manifest", name)
            if name.hasPrefix("edit-") {
                _ = try ManifestEdit(encoded: bytes)
            } else {
                var reader = try ManifestReader(bytes: bytes)
                while try reader.next() != nil {}
                #expect(reader.droppedTail == nil)
            }
            bytes.withUnsafeBytes { fuzzManifestDecoder($0) }
        }
    }
}
