package import QuiverEngine

extension DataDirectoryReport {
    /// The report as a JSON object (`quiver inspect --json`), fields in a fixed order; absent
    /// values are `null`.
    package var jsonValue: JSONValue {
        func optional(_ value: Int?) -> JSONValue { value.map(JSONValue.integer) ?? .null }
        func optional(_ value: UInt64?) -> JSONValue { value.map { .integer(Int(clamping: $0)) } ?? .null }
        let manifestValue: JSONValue =
            manifest.map { manifest in
                .object([
                    ("file", .string(manifest.file)),
                    ("number", .integer(Int(clamping: manifest.number))),
                    ("version", .integer(Int(manifest.version))),
                    ("records", .integer(manifest.records)),
                    ("bytes", .integer(manifest.bytes)),
                    ("checkpoint_sequence", .integer(Int(clamping: manifest.checkpointSequence))),
                    ("next_file_number", .integer(Int(clamping: manifest.nextFileNumber))),
                    ("torn_tail_bytes", optional(manifest.tornTailBytes)),
                ])
            } ?? .null
        let collectionValues: [JSONValue] = collections.map { collection in
            let definition: JSONValue =
                collection.definition.map { definition in
                    .object([
                        ("dimension", .integer(definition.index.dimension)),
                        ("metric", .string(definition.index.metric.rawValue)),
                        ("encoding", .string(definition.index.encoding.rawValue)),
                        ("m", .integer(definition.index.m)),
                        ("ef_construction", .integer(definition.index.efConstruction)),
                    ])
                } ?? .null
            let segments: [JSONValue] = collection.segments.map { segment in
                let sections: JSONValue =
                    segment.sections.map { sections in
                        .array(
                            sections.map { section in
                                .object([
                                    ("kind", .string(section.kind)), ("offset", .integer(section.offset)),
                                    ("length", .integer(section.length)), ("compressed", .bool(section.isCompressed)),
                                ])
                            })
                    } ?? .null
                return .object([
                    ("number", .integer(Int(clamping: segment.number))),
                    ("file", .string(segment.file)),
                    ("level", .integer(segment.level)),
                    ("bytes", .integer(segment.bytes)),
                    ("file_bytes", optional(segment.fileBytes)),
                    ("rows", .integer(segment.rows)),
                    ("live_rows", optional(segment.liveRows)),
                    ("tombstones", optional(segment.tombstones)),
                    ("sections", sections),
                ])
            }
            return .object([
                ("name", .string(collection.name)), ("kind", .string(collection.isTable ? "table" : "collection")),
                ("definition", definition), ("segments", .array(segments)),
            ])
        }
        let logValues: [JSONValue] = logs.map { log in
            .object([
                ("number", .integer(Int(clamping: log.number))),
                ("file", .string(log.file)),
                ("bytes", .integer(Int(log.bytes))),
                ("header_first_sequence", optional(log.firstSequence)),
                ("records", .integer(log.records)),
                ("first_sequence", optional(log.firstRecordSequence)),
                ("last_sequence", optional(log.lastSequence)),
                ("records_after_checkpoint", .integer(log.recordsAfterCheckpoint)),
                ("valid_end", .integer(Int(log.validEnd))),
                ("torn_tail_bytes", .integer(Int(log.tornTailBytes))),
                ("zero_tail_bytes", .integer(Int(log.zeroTailBytes))),
            ])
        }
        let findingValues: [JSONValue] = findings.map { finding in
            .object([
                ("severity", .string(finding.severity.rawValue)),
                ("file", finding.file.map(JSONValue.string) ?? .null),
                ("offset", finding.offset.map { .integer(Int($0)) } ?? .null),
                ("section", finding.section.map(JSONValue.string) ?? .null),
                ("message", .string(finding.message)),
                ("fixable", .bool(finding.isFixable)),
            ])
        }
        return .object([
            ("directory", .string("\(directory)")),
            ("lock", .string(lock.rawValue)),
            ("manifest", manifestValue),
            ("collections", .array(collectionValues)),
            ("logs", .array(logValues)),
            ("orphans", .array(orphans.map(JSONValue.string))),
            ("missing", .array(missing.map(JSONValue.string))),
            ("stored_bytes", .integer(Int(storedBytes))),
            ("verified", .bool(isVerified)),
            ("findings", .array(findingValues)),
        ])
    }
}
