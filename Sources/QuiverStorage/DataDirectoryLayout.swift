public import SystemPackage

/// Every file name in a data directory, decided in one place, and the parser that reads a name back.
///
/// Numbered files use at least six decimal digits (`000042.wal`); a name is recognised only in
/// its canonical spelling, so one number never has two names. Like LevelDB's `db/filename.h`.
public struct DataDirectoryLayout: Sendable, Hashable {
    /// What a file in the data directory is.
    public enum FileKind: Sendable, Hashable {
        /// A write-ahead log file, `NNNNNN.wal`.
        case wal(UInt64)
        /// An immutable segment, `NNNNNN.seg`.
        case segment(UInt64)
        /// A manifest, `MANIFEST-NNNNNN`.
        case manifest(UInt64)
        /// The pointer to the live manifest, `CURRENT`.
        case current
        /// The advisory lock that keeps a second process out, `LOCK`.
        case lock
        /// A file being written before it is renamed into place, `NNNNNN.tmp`.
        case temporary(UInt64)
    }

    /// The data directory.
    public let root: FilePath

    /// A layout rooted at `root`.
    public init(root: FilePath) { self.root = root }

    /// The path of the write-ahead log file numbered `number`.
    public func walFile(_ number: UInt64) -> FilePath { root.appending(Self.name(of: .wal(number))) }
    /// The path of the segment numbered `number`.
    public func segmentFile(_ number: UInt64) -> FilePath { root.appending(Self.name(of: .segment(number))) }
    /// The path of the manifest numbered `number`.
    public func manifestFile(_ number: UInt64) -> FilePath { root.appending(Self.name(of: .manifest(number))) }
    /// The path of `CURRENT`.
    public var currentFile: FilePath { root.appending(Self.name(of: .current)) }
    /// The path of `LOCK`.
    public var lockFile: FilePath { root.appending(Self.name(of: .lock)) }
    /// The path of the temporary file numbered `number`.
    public func temporaryFile(_ number: UInt64) -> FilePath { root.appending(Self.name(of: .temporary(number))) }

    /// The file name (no directory) of `kind`.
    public static func name(of kind: FileKind) -> String {
        switch kind {
        case .wal(let number): "\(padded(number)).wal"
        case .segment(let number): "\(padded(number)).seg"
        case .manifest(let number): "MANIFEST-\(padded(number))"
        case .current: "CURRENT"
        case .lock: "LOCK"
        case .temporary(let number): "\(padded(number)).tmp"
        }
    }

    /// The kind of file `name` names, or `nil` when it is not one of ours (or not spelled canonically).
    ///
    /// - Complexity: O(`name.count`).
    public static func parse(_ name: String) -> FileKind? {
        let kind: FileKind?
        switch name {
        case "CURRENT": kind = .current
        case "LOCK": kind = .lock
        default:
            if name.hasPrefix("MANIFEST-") {
                kind = number(name.dropFirst("MANIFEST-".count)).map(FileKind.manifest)
            } else if name.hasSuffix(".wal") {
                kind = number(name.dropLast(4)).map(FileKind.wal)
            } else if name.hasSuffix(".seg") {
                kind = number(name.dropLast(4)).map(FileKind.segment)
            } else if name.hasSuffix(".tmp") {
                kind = number(name.dropLast(4)).map(FileKind.temporary)
            } else {
                kind = nil
            }
        }
        guard let kind, Self.name(of: kind) == name else { return nil }
        return kind
    }

    /// The write-ahead log numbers among `names`, ascending.
    public static func walNumbers(in names: [String]) -> [UInt64] {
        names.compactMap { name in
            if case .wal(let number) = parse(name) { return number }
            return nil
        }.sorted()
    }

    private static func padded(_ number: UInt64) -> String {
        let digits = String(number)
        return digits.count >= 6 ? digits : String(repeating: "0", count: 6 - digits.count) + digits
    }

    private static func number(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return UInt64(text)
    }
}
