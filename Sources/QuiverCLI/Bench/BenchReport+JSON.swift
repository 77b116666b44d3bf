package import Foundation

extension BenchReport {
    /// The report as a JSON object, fields in the order peers.py writes them and floats always
    /// written as floats.
    package var jsonValue: JSONValue {
        var params: [(String, JSONValue)] = [
            ("m", .integer(self.params.m)), ("ef_construction", .integer(self.params.efConstruction)),
        ]
        if let quantization = self.params.quantization { params.append(("quantization", .string(quantization))) }
        var members: [(String, JSONValue)] = [
            ("system", .string(system)),
            ("version", .string(version)),
            ("dataset", .string(dataset)),
            ("n", .integer(n)),
            ("dim", .integer(dim)),
            ("metric", .string(metric)),
            ("params", .object(params)),
            ("threads", .integer(threads)),
            ("build_seconds", .number(buildSeconds)),
            ("build_vectors_per_second", .number(buildVectorsPerSecond)),
            ("peak_rss_bytes", .integer(peakRSSBytes)),
            ("rss_growth_bytes", .integer(rssGrowthBytes)),
            ("search", .array(search.map(\.jsonValue))),
        ]
        if let simdLevel { members.append(("simd_level", .string(simdLevel))) }
        if let bytesPerVector { members.append(("bytes_per_vector", .integer(bytesPerVector))) }
        if let originalBytesPerVector, originalBytesPerVector > 0 {
            members.append(("original_bytes_per_vector", .integer(originalBytesPerVector)))
        }
        if let afterDelete { members.append(("after_delete", afterDelete.jsonValue)) }
        if let openSeconds { members.append(("open_seconds", .number(openSeconds))) }
        if let indexFileBytes { members.append(("index_file_bytes", .integer(indexFileBytes))) }
        if let persistAgreement { members.append(("persist_agreement", .number(persistAgreement))) }
        if let filtered {
            members.append((
                "filtered_search",
                .object([
                    ("selectivity", .number(filtered.selectivity)), ("passing", .integer(filtered.passing)),
                    (
                        "points",
                        .array(filtered.points.map { point in
                            .object([
                                ("method", .string(point.method)), ("parameter", .integer(point.parameter)),
                                ("recall", .number(point.recall)), ("qps_1thread", .number(point.qps)),
                            ])
                        })
                    ),
                ])
            ))
        }
        return .object(members)
    }

    /// Encodes `reports` as the schema's top-level array.
    package static func encode(_ reports: [BenchReport]) -> String {
        JSONValue.array(reports.map(\.jsonValue)).rendered(indent: 1) + "\n"
    }

    /// Decodes a results file (an array of reports, as peers.py and `quiver bench --json` write).
    ///
    /// - Throws: `CLIError.corruption` naming the first missing or mistyped field.
    package static func decode(_ data: Data, name: String) throws(CLIError) -> [BenchReport] {
        let decoder = JSONDecoder()
        do {
            return try decoder.decode([BenchReport].self, from: data)
        } catch let error as DecodingError {
            // A single report (not wrapped in an array) is accepted too.
            if let single = try? decoder.decode(BenchReport.self, from: data) { return [single] }
            throw .corruption("\(name): not a bench result array: \(describe(error))")
        } catch {
            throw .corruption("\(name): not a bench result array")
        }
    }

    /// Reads a results file.
    ///
    /// - Throws: `CLIError.notFound`, `CLIError.io`, or see ``decode(_:name:)``.
    package static func read(path: String) throws(CLIError) -> [BenchReport] {
        let file = try MappedFile(path: path)
        let data = file.withBytes { Data($0) }
        return try decode(data, name: file.fileName)
    }

    /// Writes `reports` to `path`.
    ///
    /// - Throws: `CLIError.io` when the file cannot be written.
    package static func write(_ reports: [BenchReport], to path: String) throws(CLIError) {
        do {
            try Data(encode(reports).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io("\(path): cannot write: \((error as NSError).localizedDescription)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        func location(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "top level" : path(codingPath)
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\(key.stringValue)' at \(location(context.codingPath))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(location(context.codingPath))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "invalid JSON" : "invalid value at \(path(context.codingPath))"
        @unknown default:
            return "invalid JSON"
        }
    }
}

extension BenchReport.SearchPoint {
    /// The point as a JSON object in peers.py's field order.
    package var jsonValue: JSONValue {
        .object([
            ("ef", .integer(ef)),
            ("k", .integer(k)),
            ("recall", .number(recall)),
            ("qps_1thread", .number(qps1Thread)),
            ("qps_all_threads", .number(qpsAllThreads)),
            ("p50_us", .number(p50Microseconds)),
            ("p99_us", .number(p99Microseconds)),
        ])
    }
}
