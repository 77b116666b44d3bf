import QuiverStorage
import QuiverTestSupport
import SystemPackage

/// Builds WAL file images with ``WALWriter`` and reads them back, for the format tests.
struct WALTestLog {
    static let path: FilePath = "/000001.wal"
    static let blockSize = WALFormat.blockSize
    static let fileHeaderSize = WALFormat.FileHeader.size
    static let headerSize = WALFormat.FragmentHeader.size

    /// The file image after appending `records` one write each, syncing after the records whose
    /// indices are in `syncAfter`.
    static func make(
        _ records: [[UInt8]], salt: UInt32 = 0x5EED, firstSequence: UInt64 = 1, syncAfter: Set<Int> = []
    ) -> [UInt8] {
        let fs = SimFS()
        let file = try! fs.open(path, access: .readWrite, options: [.create])
        var writer = try! WALWriter(
            fileIO: fs, file: file, path: path, header: WALFileHeader(salt: salt, logNumber: 1, firstSequence: firstSequence))
        for (index, record) in records.enumerated() {
            try! writer.append(record)
            if syncAfter.contains(index) { try! writer.synchronize() }
        }
        return fs.contents(of: path)!
    }

    /// The same records, every one followed by a sync (as under `always` durability).
    static func makeSynced(_ records: [[UInt8]], salt: UInt32 = 0x5EED) -> [UInt8] {
        make(records, salt: salt, syncAfter: Set(records.indices))
    }

    struct Outcome {
        var records: [[UInt8]] = []
        var sequences: [UInt64] = []
        var error: StorageError?
        var reports: [WALReadReport] = []
        var status: WALReader.Status = .reading
        var validEnd: Int64 = 0

        var droppedBytes: Int64 { reports.filter { $0.kind != .zeroFilledTail }.reduce(0) { $0 + $1.byteCount } }
    }

    /// Reads `bytes` in `mode`, collecting records, reports and the error, if any.
    static func read(_ bytes: [UInt8], mode: WALRecoveryMode = .tolerateCorruptedTail) -> Outcome {
        var outcome = Outcome()
        var reports: [WALReadReport] = []
        do {
            var reader = try WALReader(bytes: bytes, mode: mode) { reports.append($0) }
            while let record = try reader.next() {
                outcome.records.append(record.payload)
                outcome.sequences.append(record.sequence)
            }
            // Reading past the end keeps returning nil.
            if try reader.next() != nil { fatalError("record after the end") }
            outcome.status = reader.status
            outcome.validEnd = reader.validEnd
        } catch {
            outcome.error = error
        }
        outcome.reports = reports
        return outcome
    }

    /// `text` repeated to exactly `count` bytes.
    static func big(_ text: String, _ count: Int) -> [UInt8] {
        let unit = Array(text.utf8)
        return (0..<count).map { unit[$0 % unit.count] }
    }

    /// Rewrites the checksum of the fragment at `offset` after a test edited its header or payload.
    static func fixChecksum(_ bytes: inout [UInt8], fragmentAt offset: Int) {
        let salt = bytes[...].loadLittleEndian(UInt32.self, at: WALFormat.FileHeader.saltOffset)
        let length = Int(bytes[...].loadLittleEndian(UInt16.self, at: offset + 4))
        let crc = CRC32C.checksum(bytes[(offset + 4)..<(offset + headerSize + length)], extending: WALWriter.saltChecksum(salt))
        let masked = CRC32C.mask(crc)
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: masked >> (8 * index)) }
    }

    /// Sets the type byte of the fragment at `offset` and fixes its checksum.
    static func setType(_ bytes: inout [UInt8], fragmentAt offset: Int, _ type: UInt8) {
        bytes[offset + 6] = type
        fixChecksum(&bytes, fragmentAt: offset)
    }
}
