public import SystemPackage

/// A region of a WAL that reading dropped or skipped, passed to the reporter callback.
public struct WALReadReport: Sendable, Hashable, CustomStringConvertible {
    /// Why the bytes were not read as records.
    public enum Kind: Sendable, Hashable {
        /// An incomplete or damaged tail that was never made durable, dropped (a crash artifact).
        case tornTail
        /// Zero bytes at the end of the file (preallocated or extended-but-unwritten space).
        case zeroFilledTail
        /// Damaged bytes, and everything after them, dropped by ``WALRecoveryMode/pointInTime``.
        case droppedAfterCorruption
        /// A damaged region skipped by ``WALRecoveryMode/skipCorrupted``; reading went on after it.
        case skippedCorruption
        /// A whole file dropped: an unreadable newest file, or files after a point-in-time stop.
        case droppedFile
    }

    /// Why the bytes were not read.
    public var kind: Kind
    /// The file, when reading one.
    public var file: FilePath?
    /// Where the dropped bytes begin.
    public var offset: Int64
    /// How many bytes were dropped.
    public var byteCount: Int64
    /// What was wrong with the first damaged bytes.
    public var reason: String

    /// A report of `byteCount` bytes at `offset` dropped for `reason`.
    public init(kind: Kind, file: FilePath?, offset: Int64, byteCount: Int64, reason: String) {
        self.kind = kind
        self.file = file
        self.offset = offset
        self.byteCount = byteCount
        self.reason = reason
    }

    /// One line: kind, size, place and reason.
    public var description: String {
        "\(kind): \(byteCount) bytes at offset \(offset)\(file.map { " of \($0)" } ?? ""): \(reason)"
    }
}
