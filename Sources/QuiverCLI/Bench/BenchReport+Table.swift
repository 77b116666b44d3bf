internal import Foundation

extension BenchReport {
    /// A human-readable summary: the run's parameters, build measurements, and one row per `ef`.
    package func renderedSummary() -> String {
        var lines: [String] = []
        var parameters = "m=\(params.m) ef_construction=\(params.efConstruction)"
        if let quantization = params.quantization { parameters += " \(quantization)" }
        var header = "\(system) \(version)  \(dataset)  n=\(n) dim=\(dim) \(metric)  \(parameters)  threads=\(threads)"
        if let simdLevel { header += "  simd=\(simdLevel)" }
        lines.append(header)
        var build = String(
            format: "build %.3f s (%.1f vectors/s)  peak RSS %.1f MiB  RSS growth %.1f MiB", buildSeconds, buildVectorsPerSecond,
            Double(peakRSSBytes) / 1_048_576, Double(rssGrowthBytes) / 1_048_576)
        if let bytesPerVector { build += "  \(bytesPerVector) bytes/vector" }
        if let originalBytesPerVector, originalBytesPerVector > 0 {
            build += " (+\(originalBytesPerVector) for f32 originals)"
        }
        lines.append(build)
        lines.append(Self.table(search))
        if let openSeconds, let indexFileBytes {
            lines.append(
                String(
                    format: "persisted: %d bytes on disk (%d bytes/vector); reopen + first query %.1f ms; same top-%d after reopen: %.0f%%",
                    indexFileBytes, indexFileBytes / max(n, 1), openSeconds * 1000, search.first?.k ?? 10,
                    (persistAgreement ?? 0) * 100))
        }
        if let filtered { lines.append(filtered.rendered()) }
        if let afterDelete {
            lines.append(
                String(
                    format: "after deleting %d vectors (%.0f%%, %@) and purging in %.3f s:", afterDelete.deleted,
                    afterDelete.fraction * 100, afterDelete.pattern.rawValue, afterDelete.deleteSeconds))
            lines.append(Self.table(afterDelete.search))
            lines.append("reference: an index built fresh from the surviving vectors:")
            lines.append(Self.table(afterDelete.freshBuild))
        }
        return lines.joined(separator: "\n")
    }

    private static func table(_ points: [SearchPoint]) -> String {
        var table = TextTable(
            header: ["ef", "k", "recall", "qps 1 thread", "qps all threads", "p50 us", "p99 us"], leftAligned: [])
        for point in points {
            table.append([
                "\(point.ef)", "\(point.k)", String(format: "%.4f", point.recall), String(format: "%.1f", point.qps1Thread),
                String(format: "%.1f", point.qpsAllThreads), String(format: "%.1f", point.p50Microseconds),
                String(format: "%.1f", point.p99Microseconds),
            ])
        }
        return table.rendered()
    }
}
