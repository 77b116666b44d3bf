internal import QuiverStorage

/// Reads `data` as a WAL file image in every recovery mode; traps only if the reader does.
///
/// Besides "never trap", it checks what the modes must agree on: before the first damage every
/// mode reads the same records, so the default mode (when it does not refuse) and
/// `absoluteConsistency` (when it does not refuse) return exactly what `pointInTime` returns, and
/// `skipCorrupted` returns those and possibly more.
public func fuzzWALReader(_ data: UnsafeRawBufferPointer) {
    let bytes = Array(data)
    var results: [WALRecoveryMode: [WALRecord]] = [:]
    for mode in WALRecoveryMode.allCases {
        do {
            var reader = try WALReader(bytes: bytes, mode: mode) { report in
                precondition(report.byteCount >= 0 && report.offset >= 0, "negative report: \(report)")
            }
            let records = try reader.readAll()
            precondition(reader.validEnd <= Int64(bytes.count) || bytes.count < 36, "valid end past the file")
            results[mode] = records
        } catch {
            // A refusal is a correct answer for damaged input.
        }
    }
    guard let prefix = results[.pointInTime] else { return }
    for mode in [WALRecoveryMode.tolerateCorruptedTail, .absoluteConsistency] {
        if let records = results[mode] { precondition(records == prefix, "\(mode) disagrees with pointInTime") }
    }
    if let salvaged = results[.skipCorrupted] {
        precondition(Array(salvaged.prefix(prefix.count)) == prefix, "skipCorrupted lost records pointInTime kept")
    }
}
