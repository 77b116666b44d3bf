import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

/// A segment with one section of every shape, written by the real writer, and what it must read back as.
struct SegmentTestData {
    static let directory: FilePath = "/data"
    static let layout = DataDirectoryLayout(root: directory)

    /// Raw sections: kind, alignment, bytes.
    var raw: [(kind: SegmentSectionKind, alignment: Int, bytes: [UInt8])] = []
    /// Compressed sections: kind, codec, records.
    var compressed: [(kind: SegmentSectionKind, codec: BlockCodec, records: [[UInt8]])] = []

    /// The standard mix: a small metadata section, 4096-aligned vectors, an empty raw section,
    /// zstd attributes over several blocks, an lz4 section with a record larger than a block, an
    /// empty compressed section and an uncompressed record list.
    static func standard(seed: UInt64 = 1, vectorBytes: Int = 12_000, attributeCount: Int = 900) -> SegmentTestData {
        var rng = SeededGenerator(seed: seed)
        var data = SegmentTestData()
        data.raw.append((.metadata, 64, Array("collection=c; dimension=8".utf8)))
        data.raw.append((.vectors, 4096, BlockCodecTests.sample(vectorBytes, seed: seed)))
        data.raw.append((.tombstones, 64, []))
        data.compressed.append(
            (.attributes, .zstd(level: 3), (0..<attributeCount).map { i in Self.record(i, rng: &rng) }))
        var big = [UInt8](repeating: 0, count: 150_000)
        for i in big.indices { big[i] = UInt8(truncatingIfNeeded: i &* 31 &+ i / 1000) }
        data.compressed.append((.keys, .lz4, [Array("first".utf8), big, [], Array("last".utf8)]))
        data.compressed.append((.keyIndex, .zstd(level: 1), []))
        data.compressed.append(
            (SegmentSectionKind(rawValue: 40), .none, (0..<50).map { i in Array("plain record \(i)".utf8) }))
        return data
    }

    /// A JSON-like record of varying length (some empty).
    static func record(_ i: Int, rng: inout SeededGenerator) -> [UInt8] {
        if i % 17 == 0 { return [] }
        let padding = String(repeating: "x", count: Int.random(in: 0...300, using: &rng))
        return Array("{\"id\":\(i),\"tag\":\"t\(i % 7)\",\"pad\":\"\(padding)\"}".utf8)
    }

    /// Writes the segment as number `number` and returns what `finish` reported.
    @discardableResult
    func write(
        _ fileIO: any FileIO, number: UInt64 = 1, appendChunk: Int = 1000, writeChunk: Int = 1 << 20
    ) throws -> SegmentInfo {
        let writer = try SegmentWriter(fileIO: fileIO, layout: Self.layout, number: number, chunkSize: writeChunk)
        do {
            for section in raw {
                try writer.beginSection(kind: section.kind, alignment: section.alignment)
                var start = 0
                repeat {
                    let end = min(section.bytes.count, start + appendChunk)
                    try section.bytes[start..<end].withUnsafeBytes { try writer.append($0) }
                    start = end
                } while start < section.bytes.count
                try writer.endSection()
            }
            for section in compressed {
                try writer.addCompressedSection(kind: section.kind, records: section.records, codec: section.codec)
            }
            return try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
    }

    /// Reads everything in `file` the way the engine and `verify` would, and checks it equals this
    /// data. Throws the first `StorageError`.
    func readAll(_ file: SegmentFile) throws {
        try file.verifyAll()
        for section in raw {
            try file.verifySection(section.kind)
            guard let bytes = file.section(section.kind) else { throw Mismatch(what: "missing \(section.kind)") }
            guard Array(bytes) == section.bytes else { throw Mismatch(what: "section \(section.kind) differs") }
        }
        for section in compressed {
            var reader = try file.compressedSection(section.kind)
            guard reader.count == section.records.count else { throw Mismatch(what: "record count of \(section.kind)") }
            for (index, record) in section.records.enumerated() where try reader.record(index) != record {
                throw Mismatch(what: "record \(index) of \(section.kind)")
            }
        }
    }

    /// Content that read back without an error but differently: always a test failure.
    struct Mismatch: Error {
        var what: String
    }

    /// A SimFS with the data directory.
    static func makeFS() throws -> SimFS {
        let fs = SimFS()
        try fs.createDirectory(directory)
        try fs.synchronizeDirectory("/")
        return fs
    }
}
