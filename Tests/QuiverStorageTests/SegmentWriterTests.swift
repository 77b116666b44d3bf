import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

@Suite struct SegmentWriterTests {
    typealias Data = SegmentTestData

    @Test func roundTripsEverySectionShape() throws {
        let fs = try Data.makeFS()
        let data = Data.standard()
        let info = try data.write(fs, number: 7)
        #expect(info.path == Data.layout.segmentFile(7))
        #expect(try fs.contentsOfDirectory(Data.directory) == ["000007.seg"])
        let file = try SegmentFile.open(fileIO: fs, path: info.path)
        #expect(file.number == 7 && file.version == 1)
        #expect(file.byteCount == info.byteCount && file.byteCount == fs.contents(of: info.path)!.count)
        #expect(file.sections == info.sections)
        #expect(file.sections.map(\.kind) == data.raw.map(\.kind) + data.compressed.map(\.kind))
        try data.readAll(file)
        #expect(file.sectionInfo(.vectors)!.offset % 4096 == 0)
        #expect(file.sectionInfo(.metadata)!.offset % 64 == 0)
        #expect(file.section(.tombstones)?.count == 0)
        #expect(file.section(.graphUpper) == nil)
    }

    /// The worked example of `docs/file-format.md`, byte for byte.
    @Test func workedExampleMatchesTheSpecification() throws {
        let fs = try Data.makeFS()
        let writer = try SegmentWriter(fileIO: fs, layout: Data.layout, number: 1)
        try writer.beginSection(kind: .metadata)
        try Array("hello".utf8).withUnsafeBytes { try writer.append($0) }
        try writer.endSection()
        try writer.addCompressedSection(
            kind: .attributes, records: [Array("ab".utf8), [], Array("c".utf8)], codec: .none)
        let info = try writer.finish()
        let expected = [
            "51 56 53 45 47 0d 0a 1a 01 00 00 00 00 00 00 00",
            "01 00 00 00 00 00 00 00 00 00 00 00 61 44 80 68",
            "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
            "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
            "68 65 6c 6c 6f 00 00 00 02 00 00 00 02 00 00 00",
            "03 00 00 00 61 62 63 00 00 00 00 00 00 00 00 0f",
            "00 00 00 0f 00 00 00 00 00 00 00 44 9d 6b 60 03",
            "00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00",
            "00 01 00 fc a8 08 f5 00 01 00 00 00 00 00 00 00",
            "40 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00",
            "bb 1f 1c 19 00 00 00 00 08 00 00 00 01 00 00 00",
            "48 00 00 00 00 00 00 00 3f 00 00 00 00 00 00 00",
            "26 a2 a2 0f 00 00 00 00 88 00 00 00 00 00 00 00",
            "02 00 00 00 21 dc c2 c0 f8 00 00 00 00 00 00 00",
            "01 00 00 00 00 00 00 00 01 00 00 00 51 56 53 45",
            "47 0d 0a 1a bd ca 64 a6",
        ].joined(separator: " ").split(separator: " ").map { UInt8($0, radix: 16)! }
        #expect(fs.contents(of: info.path) == expected)
        #expect(info.byteCount == 248)
    }

    @Test func anEmptySegmentRoundTrips() throws {
        let fs = try Data.makeFS()
        let info = try Data().write(fs)
        let file = try SegmentFile.open(fileIO: fs, path: info.path)
        #expect(file.sections.isEmpty)
        try file.verifyAll()
    }

    /// Appends smaller than, equal to and larger than the write chunk, across chunk boundaries.
    @Test(arguments: [1, 7, 4095, 4096, 5000, 70_000])
    func streamsSectionsInAnyChunking(chunk: Int) throws {
        let fs = try Data.makeFS()
        var data = Data()
        data.raw = [
            (.vectors, 4096, BlockCodecTests.sample(chunk == 1 ? 9000 : 150_000)),
            (.graphNodes, 64, BlockCodecTests.sample(10_000, seed: 4)),
        ]
        data.compressed = [(.attributes, .lz4, [[1], [2, 3]])]
        let info = try data.write(fs, appendChunk: chunk, writeChunk: 4096)
        let file = try SegmentFile.open(fileIO: fs, path: info.path)
        try data.readAll(file)
        #expect(info.sections[0].offset == 4096)
    }

    @Test func gathersSmallAppendsIntoLargeWrites() throws {
        let fs = try Data.makeFS()
        let io = FaultyFileIO(wrapping: fs)
        var data = Data()
        data.raw = [(.vectors, 4096, BlockCodecTests.sample(2_200_000))]
        try data.write(io, appendChunk: 1000)
        // 2,200 appends, about 2 MiB, with the default 1 MiB chunks: a handful of writes.
        #expect(io.count(of: .write) <= 4)
        #expect(
            io.count(of: .synchronize) == 1 && io.count(of: .synchronizeDirectory) == 1 && io.count(of: .rename) == 1)
    }

    @Test func abortRemovesTheTemporaryFile() throws {
        let fs = try Data.makeFS()
        let writer = try SegmentWriter(fileIO: fs, layout: Data.layout, number: 3)
        try writer.beginSection(kind: .metadata)
        try [1, 2, 3].withUnsafeBytes { try writer.append($0) }
        #expect(try fs.contentsOfDirectory(Data.directory) == ["000003.tmp"])
        writer.abort()
        #expect(try fs.contentsOfDirectory(Data.directory).isEmpty)
        #expect(fs.openHandleCount == 0)
        expectStorageError(.invalidArgument) { try writer.endSection() }
        writer.abort()
    }

    @Test func droppingAnUnfinishedWriterAbortsIt() throws {
        let fs = try Data.makeFS()
        do {
            let writer = try SegmentWriter(fileIO: fs, layout: Data.layout, number: 3)
            try writer.addCompressedSection(kind: .attributes, records: [[1]], codec: .lz4)
        }
        #expect(try fs.contentsOfDirectory(Data.directory).isEmpty)
        #expect(fs.openHandleCount == 0)
    }

    @Test func aFinishedWriterRefusesMore() throws {
        let fs = try Data.makeFS()
        let writer = try SegmentWriter(fileIO: fs, layout: Data.layout, number: 3)
        _ = try writer.finish()
        expectStorageError(.invalidArgument) { try writer.beginSection(kind: .metadata) }
        writer.abort()
        #expect(try fs.contentsOfDirectory(Data.directory) == ["000003.seg"])
    }

    @Test func replacesAStaleTemporaryFile() throws {
        let fs = try Data.makeFS()
        fs.setContents(of: Data.layout.temporaryFile(1), to: [UInt8](repeating: 9, count: 100_000))
        let data = Data.standard(attributeCount: 10)
        try data.write(fs)
        try data.readAll(try SegmentFile.open(fileIO: fs, path: Data.layout.segmentFile(1)))
    }

    @Test func oversizedRecordsAreRefused() throws {
        let fs = try Data.makeFS()
        let writer = try SegmentWriter(fileIO: fs, layout: Data.layout, number: 3)
        let huge = [UInt8](repeating: 0, count: 64 * 1024 * 1024 - 3)
        expectStorageError(.invalidArgument) {
            try writer.addCompressedSection(kind: .attributes, records: [[], huge], codec: .none)
        }
        #expect(try fs.contentsOfDirectory(Data.directory).isEmpty)
    }

    // MARK: Fault injection

    /// Every write, sync, rename and directory sync of a segment fails in turn, with every kind
    /// of fault: the writer throws and no `.seg` (nor `.tmp`) is left.
    @Test(arguments: [
        FaultyFileIO.Fault.error(.ioError), .error(.noSpace), .shortWrite(.noSpace), .shortWrite(.ioError),
    ])
    func everyFailedStepLeavesNoSegment(fault: FaultyFileIO.Fault) throws {
        let data = Data.standard(vectorBytes: 20_000, attributeCount: 400)
        let probe = FaultyFileIO(wrapping: try Data.makeFS())
        try data.write(probe, writeChunk: 1024)
        let operations: [FaultyFileIO.Operation] = [
            .open, .write, .synchronize, .close, .rename, .synchronizeDirectory,
        ]
        var cases = 0
        for operation in operations {
            for k in 1...max(1, probe.count(of: operation)) {
                let fs = try Data.makeFS()
                let io = FaultyFileIO(wrapping: fs, rules: [.init([operation], .once(k), fault)])
                #expect(throws: StorageError.self, "\(operation) #\(k)") { try data.write(io, writeChunk: 1024) }
                let names = try fs.contentsOfDirectory(Data.directory)
                #expect(names.isEmpty, "\(operation) #\(k) \(fault) left \(names)")
                #expect(fs.openHandleCount == 0)
                cases += 1
            }
        }
        #expect(cases >= 20)
    }

    // MARK: Crash points

    /// A crash at every mutating I/O step of writing and publishing a segment, under every crash
    /// image policy: afterwards the segment either does not exist or reads back whole.
    @Test func crashAtEveryStepLeavesNoTornSegment() throws {
        let data = Data.standard(vectorBytes: 30_000, attributeCount: 300)
        let probe = try Data.makeFS()
        let start = probe.mutationCount
        try data.write(probe, writeChunk: 2048)
        let steps = probe.mutationCount - start
        #expect(steps >= 12)
        var published = 0
        for k in 0...steps {
            let fs = try Data.makeFS()
            fs.crash(afterMutations: fs.mutationCount + k)
            let finished = (try? data.write(fs, writeChunk: 2048)) != nil
            #expect(finished == (k == steps))
            var images: [SimFS] = [fs.crashImage(policy: .syncedOnly), fs.crashImage(policy: .allIssued)]
            for seed in 0..<8 { images.append(fs.crashImage(policy: .random, seed: UInt64(seed * 100 + k))) }
            for (index, image) in images.enumerated() {
                let names = try image.contentsOfDirectory(Data.directory)
                guard names.contains("000001.seg") else {
                    #expect(!finished || index != 0, "a finished segment is durable")
                    continue
                }
                published += 1
                let file = try SegmentFile.open(fileIO: image, path: Data.layout.segmentFile(1))
                try data.readAll(file)
                let state = ManifestState()
                #expect(orphanFiles(in: names, state: state).allSatisfy { $0 == "000001.seg" || $0 == "000001.tmp" })
            }
        }
        #expect(published > 0)
    }
}

extension SegmentWriterTests {
    /// After a failed write every call throws that failure again, and the temporary file is gone.
    @Test func aFailedWriterRepeatsItsFailure() throws {
        let fs = try Data.makeFS()
        let io = FaultyFileIO(wrapping: fs)
        let writer = try SegmentWriter(fileIO: io, layout: Data.layout, number: 3, chunkSize: 16)
        try writer.beginSection(kind: .metadata)
        io.inject(.init([.write], .once(1), .error(.noSpace)))
        expectStorageError(.io(.noSpace)) { try [UInt8](repeating: 1, count: 64).withUnsafeBytes { try writer.append($0) } }
        expectStorageError(.io(.noSpace)) { try writer.endSection() }
        expectStorageError(.io(.noSpace)) { try writer.finish() }
        #expect(try fs.contentsOfDirectory(Data.directory).isEmpty)
        #expect(fs.openHandleCount == 0)
    }
}
