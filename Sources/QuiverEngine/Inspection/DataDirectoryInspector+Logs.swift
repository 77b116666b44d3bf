internal import QuiverStorage
internal import SystemPackage

extension DataDirectoryInspector {
    /// Reads every log file as recovery would (``WALRecoveryMode/tolerateCorruptedTail``), without
    /// truncating anything, and checks that the files join up after the checkpoint.
    ///
    /// - Parameter checkpoint: The manifest's checkpoint, `nil` when the manifest is unreadable.
    mutating func checkLogs(checkpoint: UInt64?) {
        let numbers = DataDirectoryLayout.walNumbers(in: Array(names))
        var previousEnd: UInt64?
        for (position, number) in numbers.enumerated() {
            let isNewest = position == numbers.count - 1
            guard let summary = readLog(number, isNewest: isNewest, checkpoint: checkpoint ?? 0) else {
                previousEnd = nil
                continue
            }
            report.logs.append(summary)
            guard let first = summary.firstSequence else { continue }
            // The same rule recovery applies: each file starts right after the previous one, and the
            // first file no later than right after the checkpoint.
            let expected = previousEnd.map { $0 + 1 } ?? first
            if first == 0 || first != expected {
                damage(
                    summary.file, offset: 0,
                    "the file starts at record \(first), the previous file ends at \(expected - 1): the log files do not join up"
                )
            } else if previousEnd == nil, position == 0, let checkpoint, first > checkpoint + 1 {
                damage(
                    summary.file, offset: 0,
                    "records \(checkpoint + 1)..<\(first) after the checkpoint \(checkpoint) are missing: the log files do not join up"
                )
            }
            previousEnd = summary.lastSequence ?? (first - 1)
        }
    }

    /// Reads log `number`: its header, every record (decoding each batch in verification), and
    /// how the file ends. `nil` when the file cannot be opened or its header read.
    private mutating func readLog(
        _ number: UInt64, isNewest: Bool, checkpoint: UInt64
    ) -> DataDirectoryReport.LogSummary? {
        let name = DataDirectoryLayout.name(of: .wal(number))
        let path = layout.walFile(number)
        let file: FileIOHandle
        do {
            file = try fileIO.open(path, access: .readOnly, options: [])
        } catch {
            damage(error, "the log file cannot be read")
            return nil
        }
        defer { try? fileIO.close(file) }
        let size = (try? fileIO.size(of: file)) ?? 0
        var regions: [WALReadReport] = []
        var reader: WALReader
        do {
            reader = try WALReader(fileIO: fileIO, file: file, path: path, mode: .tolerateCorruptedTail) {
                regions.append($0)
            }
        } catch {
            if isNewest, error.code == .corruption, isTornCreation(file, size: size) {
                report.findings.append(
                    DataDirectoryFinding(
                        .warning, file: name, offset: 0,
                        "unreadable header of the newest log file (a crash while creating it): the engine removes it at open"
                    ))
            } else {
                damage(error, "the engine refuses to open")
            }
            return nil
        }
        var summary = DataDirectoryReport.LogSummary(
            number: number, file: name, bytes: size, firstSequence: reader.header.firstSequence, records: 0,
            recordsAfterCheckpoint: 0, validEnd: reader.validEnd, tornTailBytes: 0, zeroTailBytes: 0)
        var undecodable = 0
        do {
            while let record = try reader.next() {
                summary.records += 1
                if summary.firstRecordSequence == nil { summary.firstRecordSequence = record.sequence }
                if record.sequence > checkpoint { summary.recordsAfterCheckpoint += 1 }
                if verifying {
                    do {
                        _ = try WriteBatch(encoded: record.payload)
                    } catch {
                        undecodable += 1
                        if undecodable == 1 {
                            damage(
                                name, offset: record.offset,
                                "record \(record.sequence) passes its checksum but does not decode: \(error.message)")
                        }
                    }
                }
            }
        } catch {
            damage(error, "damaged bytes followed by later records; the engine refuses to open")
        }
        if undecodable > 1 { damage(name, "\(undecodable) records in all do not decode") }
        summary.lastSequence = reader.lastSequence
        summary.validEnd = reader.validEnd
        for region in regions {
            switch region.kind {
            case .zeroFilledTail:
                summary.zeroTailBytes += region.byteCount
            case .tornTail:
                summary.tornTailBytes += region.byteCount
                if isNewest && (report.lock == .inUse || report.lock == .notTaken) {
                    report.findings.append(
                        DataDirectoryFinding(
                            .warning, file: name, offset: region.offset,
                            "\(region.byteCount) bytes after the last record (\(region.reason)); the directory is in use, so this may be an append in progress"
                        ))
                } else {
                    let consequence =
                        isNewest
                        ? "the engine drops it at open" : "the engine drops it at open; records after it are missing"
                    report.findings.append(
                        DataDirectoryFinding(
                            .damage, file: name, offset: region.offset,
                            "torn tail of \(region.byteCount) bytes (\(region.reason)): \(consequence)",
                            isFixable: isNewest))
                }
            case .droppedAfterCorruption, .skippedCorruption, .droppedFile:
                damage(name, offset: region.offset, "\(region.byteCount) bytes unreadable: \(region.reason)")
            }
        }
        return summary
    }

    /// Whether a file whose header does not decode holds nothing but zeros after the header: a
    /// crash while creating it, as recovery judges it.
    private func isTornCreation(_ file: FileIOHandle, size: Int64) -> Bool {
        var offset = Int64(WALFormat.FileHeader.size)
        while offset < size {
            guard
                let chunk = try? fileIO.read(file, fromAbsoluteOffset: offset, count: Int(min(size - offset, 1 << 16))),
                !chunk.isEmpty, chunk.allSatisfy({ $0 == 0 })
            else { return false }
            offset += Int64(chunk.count)
        }
        return true
    }
}
