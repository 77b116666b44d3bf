internal import Foundation
package import QuiverEngine

extension DataDirectoryReport {
    /// The report for a terminal: the manifest, a table of segments per collection, a table of
    /// log files, orphans, missing files and findings.
    package func renderedText() -> String {
        var lines = ["data directory \(directory) (\(lock.rawValue))"]
        if let manifest {
            var line =
                "manifest \(manifest.file): version \(manifest.version), \(manifest.records) records, \(manifest.bytes) bytes, "
                + "checkpoint \(manifest.checkpointSequence), next file number \(manifest.nextFileNumber)"
            if let torn = manifest.tornTailBytes { line += ", torn tail \(torn) bytes" }
            lines.append(line)
        } else {
            lines.append("manifest: unreadable (see findings)")
        }
        for collection in collections {
            lines.append("")
            lines.append(
                collection.isTable
                    ? "table \(collection.name)"
                    : "collection \(collection.name): \(collection.definition.map(Self.describe) ?? "definition unreadable")")
            guard !collection.segments.isEmpty else {
                lines.append("  no segments")
                continue
            }
            var table = TextTable(header: ["segment", "level", "bytes", "rows", "live rows", "tombstones"])
            for segment in collection.segments {
                table.append([
                    segment.file, "\(segment.level)", segment.fileBytes.map(String.init) ?? "missing",
                    "\(segment.rows)",
                    segment.liveRows.map(String.init) ?? "-", segment.tombstones.map(String.init) ?? "-",
                ])
            }
            lines.append(Self.indented(table.rendered()))
        }
        lines.append("")
        if logs.isEmpty {
            lines.append("logs: none")
        } else {
            lines.append("logs:")
            var table = TextTable(header: [
                "file", "bytes", "records", "first seq", "last seq", "after checkpoint", "torn tail", "zero tail",
            ])
            for log in logs {
                table.append([
                    log.file, "\(log.bytes)", "\(log.records)", log.firstRecordSequence.map(String.init) ?? "-",
                    log.lastSequence.map(String.init) ?? "-", "\(log.recordsAfterCheckpoint)", "\(log.tornTailBytes)",
                    "\(log.zeroTailBytes)",
                ])
            }
            lines.append(Self.indented(table.rendered()))
        }
        lines.append("")
        lines.append("orphans: \(orphans.isEmpty ? "none" : orphans.joined(separator: ", "))")
        lines.append("missing: \(missing.isEmpty ? "none" : missing.joined(separator: ", "))")
        lines.append("stored bytes (segments, manifest, logs): \(storedBytes)")
        if findings.isEmpty {
            lines.append("findings: none")
        } else {
            lines.append("findings:")
            lines += findings.map { "  \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    /// `dim 128, l2, f32, m 16, ef_construction 200`.
    static func describe(_ definition: CollectionDefinition) -> String {
        let index = definition.index
        return "dim \(index.dimension), \(index.metric.rawValue), \(index.encoding.rawValue), m \(index.m), "
            + "ef_construction \(index.efConstruction)"
    }

    private static func indented(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }
}
