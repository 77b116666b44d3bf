import Foundation
import Testing
import QuiverCLI

@Suite struct BenchReportTests {
    /// The schema's required fields and their JSON types (shared/BENCH_SCHEMA.md).
    static let required: [(String, String)] = [
        ("system", "string"), ("version", "string"), ("dataset", "string"), ("n", "int"), ("dim", "int"),
        ("metric", "string"), ("params", "object"), ("threads", "int"), ("build_seconds", "float"),
        ("build_vectors_per_second", "float"), ("peak_rss_bytes", "int"), ("rss_growth_bytes", "int"), ("search", "array"),
    ]
    static let requiredSearch: [(String, String)] = [
        ("ef", "int"), ("k", "int"), ("recall", "float"), ("qps_1thread", "float"), ("qps_all_threads", "float"),
        ("p50_us", "float"), ("p99_us", "float"),
    ]

    private func kind(_ value: Any) -> String {
        switch value {
        case is String: return "string"
        case is [String: Any]: return "object"
        case is [Any]: return "array"
        case let number as NSNumber: return String(cString: number.objCType) == "d" ? "float" : "int"
        default: return "other"
        }
    }

    @Test func encodedReportHasEveryRequiredFieldWithItsType() throws {
        var report = SampleReports.quiver
        report.buildSeconds = 3  // a whole float must still be written as a float
        let text = BenchReport.encode([report])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(array.count == 1)
        let object = array[0]
        for (key, type) in Self.required {
            let value = try #require(object[key], "missing \(key)")
            #expect(kind(value) == type, "\(key)")
        }
        let params = try #require(object["params"] as? [String: Any])
        #expect(kind(params["m"] as Any) == "int" && kind(params["ef_construction"] as Any) == "int")
        #expect(params["quantization"] as? String == "f32")
        #expect(object["simd_level"] as? String == "avx2")
        #expect(kind(object["bytes_per_vector"] as Any) == "int")
        let search = try #require(object["search"] as? [[String: Any]])
        #expect(search.count == 3)
        for point in search {
            for (key, type) in Self.requiredSearch {
                #expect(kind(point[key] as Any) == type, "search.\(key)")
            }
        }
        #expect(text.contains("\"build_seconds\": 3.0"))
    }

    @Test func roundTripsThroughTheDecoder() throws {
        let text = BenchReport.encode([SampleReports.quiver, SampleReports.hnswlib])
        let decoded = try BenchReport.decode(Data(text.utf8), name: "x.json")
        #expect(decoded == [SampleReports.quiver, SampleReports.hnswlib])
    }

    @Test func fieldOrderFollowsPeersPy() {
        let text = BenchReport.encode([SampleReports.quiver])
        let keys = ["\"system\"", "\"version\"", "\"dataset\"", "\"n\"", "\"dim\"", "\"metric\"", "\"params\"", "\"threads\"",
                    "\"build_seconds\"", "\"build_vectors_per_second\"", "\"peak_rss_bytes\"", "\"rss_growth_bytes\"", "\"search\""]
        let positions = keys.compactMap { text.range(of: $0)?.lowerBound }
        #expect(positions.count == keys.count)
        #expect(positions == positions.sorted())
    }

    @Test func optionalFieldsAreOmittedWhenAbsent() {
        let text = BenchReport.encode([SampleReports.hnswlib])
        #expect(!text.contains("simd_level") && !text.contains("bytes_per_vector") && !text.contains("quantization"))
    }

    @Test func decodesPeersOutput() throws {
        let reports = try BenchReport.decode(Data(SampleReports.peersJSON.utf8), name: "peers.json")
        #expect(reports.count == 1)
        #expect(reports[0].system == "hnswlib")
        #expect(reports[0].params.quantization == nil)
        #expect(reports[0].search.map(\.ef) == [10, 20, 40])
        #expect(reports[0].search[1].qps1Thread == 28000)
    }

    @Test func decodingErrorsNameTheField() {
        let missing = SampleReports.peersJSON.replacingOccurrences(of: "\"build_seconds\": 1.0,", with: "")
        let error = expectCLIError(.corruption) { try BenchReport.decode(Data(missing.utf8), name: "peers.json") }
        #expect(error?.message == "peers.json: not a bench result array: missing field 'build_seconds' at [0]")
        expectCLIError(.corruption) { try BenchReport.decode(Data("{not json".utf8), name: "peers.json") }
        expectCLIError(.corruption) { try BenchReport.decode(Data("[{\"system\": 3}]".utf8), name: "peers.json") }
    }

    @Test func writesAndReadsAFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("out.json")
        try BenchReport.write([SampleReports.quiver], to: path)
        #expect(try BenchReport.read(path: path) == [SampleReports.quiver])
        expectCLIError(.io) { try BenchReport.write([SampleReports.quiver], to: directory.path("missing/out.json")) }
    }

    @Test func summaryListsEveryEF() {
        let summary = SampleReports.quiver.renderedSummary()
        #expect(summary.contains("quiver abc1234-dirty  wiki.hdf5  n=5000 dim=384 angular"))
        #expect(summary.contains("build 2.000 s (2500.0 vectors/s)"))
        for point in SampleReports.quiver.search { #expect(summary.contains(String(format: "%.4f", point.recall))) }
    }

    @Test func jsonNumbersAreAlwaysValid() {
        #expect(JSONValue.numberText(3) == "3.0")
        #expect(JSONValue.numberText(0.25) == "0.25")
        #expect(JSONValue.numberText(1e-5) == "1e-05")
        #expect(JSONValue.numberText(.infinity) == "null")
        #expect(JSONValue.numberText(.nan) == "null")
        #expect(JSONValue.string("a\"b\\c\n\u{1}").rendered() == "\"a\\\"b\\\\c\\n\\u0001\"")
    }
}
