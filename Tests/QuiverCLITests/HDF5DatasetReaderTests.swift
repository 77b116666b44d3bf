import Foundation
import Testing
import QuiverCLI
import QuiverKernels

@Suite struct HDF5DatasetReaderTests {
    @Test func readsGzipChunkedTrainAndVariableLengthDistance() throws {
        let contents = try HDF5DatasetReader.read(path: Fixtures.path("tiny-euclidean.hdf5"))
        #expect(contents.train.rows == 64 && contents.train.columns == 8)
        #expect(contents.test.rows == 6 && contents.test.columns == 8)
        #expect(contents.neighbors.rows == 6 && contents.neighbors.columns == 10)
        #expect(contents.distance == "euclidean")
        #expect(contents.train.firstNonFiniteRow() == nil)
    }

    @Test func contiguousAndFixedLengthStringGiveTheSameData() throws {
        let gzip = try HDF5DatasetReader.read(path: Fixtures.path("tiny-euclidean.hdf5"))
        let plain = try HDF5DatasetReader.read(path: Fixtures.path("tiny-fixed-string.hdf5"))
        #expect(plain.distance == "euclidean")
        #expect(plain.train == gzip.train)
        #expect(plain.test == gzip.test)
        #expect(plain.neighbors == gzip.neighbors)
    }

    @Test func neighborsAreTheExactNeighbours() throws {
        let contents = try HDF5DatasetReader.read(path: Fixtures.path("tiny-euclidean.hdf5"))
        let truth = try GroundTruth.exact(train: contents.train, queries: contents.test, metric: .l2, k: 10, threads: 1)
        #expect(truth == contents.neighbors)
    }

    static let malformed: [(String, CLIError.Code, String)] = [
        ("bad-test-dimension.hdf5", .corruption, "test has dimension 4 but train has 8"),
        ("bad-neighbor-rows.hdf5", .corruption, "neighbors has 5 rows but test has 6"),
        ("bad-nan.hdf5", .corruption, "train: row 3 has a non-finite value"),
        ("bad-no-neighbors.hdf5", .corruption, "no dataset 'neighbors'"),
    ]

    @Test(arguments: malformed)
    func rejectsMalformedFiles(_ name: String, _ code: CLIError.Code, _ message: String) {
        let error = expectCLIError(code, "\(name)") { try HDF5DatasetReader.read(path: Fixtures.path(name)) }
        #expect(error?.message.hasPrefix("\(name): ") == true)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func missingFileIsNotFound() {
        expectCLIError(.notFound) { try HDF5DatasetReader.read(path: "/nonexistent/quiver/none.hdf5") }
    }

    @Test func otherBytesAreNotHDF5() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("junk.hdf5", text: "this is not an HDF5 file at all, just text\n")
        let error = expectCLIError(.corruption) { try HDF5DatasetReader.read(path: path) }
        #expect(error?.message == "junk.hdf5: not an HDF5 file")
        let empty = try directory.write("empty.hdf5", [])
        expectCLIError(.corruption) { try HDF5DatasetReader.read(path: empty) }
    }

    @Test(arguments: [0.25, 0.5, 0.75, 0.95])
    func truncatedFilesFailCleanly(fraction: Double) throws {
        let bytes = try [UInt8](Data(contentsOf: Fixtures.directory.appendingPathComponent("tiny-euclidean.hdf5")))
        let directory = try TemporaryDirectory()
        let path = try directory.write("cut.hdf5", Array(bytes.prefix(Int(Double(bytes.count) * fraction))))
        let error = #expect(throws: CLIError.self) { try HDF5DatasetReader.read(path: path) }
        #expect(error.map { $0.code == .corruption || $0.code == .io } == true)
    }

    @Test func byteLimitStopsHugeDatasets() {
        expectCLIError(.resourceExhausted) { try HDF5DatasetReader.read(path: Fixtures.path("tiny-euclidean.hdf5"), byteLimit: 1024) }
    }
}
