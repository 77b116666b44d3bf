@testable import QuiverEngine
import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

/// T17: descriptors and mappings of files in a test's directory return to baseline.
@Suite struct ResourceHygieneTests {
    /// The baseline helper sees a descriptor and a mapping while they exist, and none after.
    @Test func baselineSeesOpenFileAndMapping() throws {
        try withTemporaryDirectory { directory in
            let fileIO = PosixFileIO()
            let root = directory.string
            #expect(ResourceBaseline(directory: root) == ResourceBaseline(descriptors: 0, mappings: 0))
            let path = directory.appending("data.bin")
            let file = try fileIO.open(path, access: .readWrite, options: [.create])
            try fileIO.write(file, toAbsoluteOffset: 0, [UInt8](repeating: 7, count: 4096))
            do {
                let region = try fileIO.map(file)
                let open = ResourceBaseline(directory: root)
                #expect(open.descriptors == 1)
                #expect(open.mappings >= 1)
                _ = region
            }
            try fileIO.close(file)
            #expect(ResourceBaseline(directory: root).descriptors == 0)
        }
    }

    /// An engine opened, flushed, closed, reopened and closed leaves no descriptor or mapping.
    @Test func engineOpenCloseReturnsToBaseline() throws {
        try withTemporaryDirectory { directory in
            let root = directory.string
            let engine = try StorageEngine.open(directory: directory)
            try engine.flush()
            try engine.close()
            #expect(ResourceBaseline(directory: root) == ResourceBaseline(descriptors: 0, mappings: 0))
            let reopened = try StorageEngine.open(directory: directory)
            try reopened.close()
            #expect(ResourceBaseline(directory: root) == ResourceBaseline(descriptors: 0, mappings: 0))
        }
    }

    /// Real data: thousands of vectors in several flushed segments, deletes, a compaction of the
    /// collection and of a table, a reopen that maps what is left and serves searches. While open
    /// the engine holds descriptors and maps every segment; after each close, nothing.
    @Test func engineWithRealDataReturnsToBaseline() throws {
        let rows = KeyedRows(count: 2000, dimension: 16)
        try withTemporaryDirectory { directory in
            let root = directory.string
            let baseline = ResourceBaseline(directory: root)
            #expect(baseline == ResourceBaseline(descriptors: 0, mappings: 0))
            do {
                let engine = try StorageEngine.open(directory: directory, options: testOptions())
                try makeCollection(engine, dimension: rows.dimension)
                try engine.createTable(TableDefinition(name: "records"))
                for chunk in 0..<4 {
                    for part in 0..<2 {
                        let start = chunk * 500 + part * 250
                        try insert(rows, start..<start + 250, into: engine)
                    }
                    var batch = WriteBatch()
                    for i in stride(from: chunk * 500, to: (chunk + 1) * 500, by: 11) {
                        batch.delete(rows.key(i), in: "items")
                        batch.put(Array("value \(i)".utf8), forKey: rows.key(i), in: "records")
                    }
                    try engine.write(batch)
                    try engine.flush()
                }
                #expect(try engine.segmentCount(in: "items") == 4)
                #expect(try engine.segmentCount(in: "records") == 4)
                let open = ResourceBaseline(directory: root)
                // The log, the manifest and the lock; one mapping per segment.
                #expect(open.descriptors >= 3)
                #expect(open.mappings >= 8)
                try engine.compact("items")
                try engine.compact("records")
                #expect(try engine.segmentCount(in: "items") == 1)
                #expect(ResourceBaseline(directory: root).mappings == open.mappings - 6, "compaction's inputs stay mapped")
                try engine.close()
            }
            #expect(ResourceBaseline(directory: root) == baseline, "\(ResourceBaseline.openFiles(under: root)) \(ResourceBaseline.mappedFiles(under: root))")
            let live = (0..<2000).filter { $0 % 500 % 11 != 0 }
            do {
                let engine = try StorageEngine.open(directory: directory, options: testOptions())
                #expect(try engine.count(in: "items") == live.count)
                #expect(ResourceBaseline(directory: root).mappings >= 2)
                try expectSelfHits(engine, rows, live.prefix(200))
                #expect(try engine.record(rows.key(11), in: "records")?.value == Array("value 11".utf8))
                try engine.delete(rows.key(1), in: "items")
                try engine.close()
            }
            #expect(ResourceBaseline(directory: root) == baseline, "\(ResourceBaseline.openFiles(under: root)) \(ResourceBaseline.mappedFiles(under: root))")
        }
    }
}
