import QuiverEngine
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
}
