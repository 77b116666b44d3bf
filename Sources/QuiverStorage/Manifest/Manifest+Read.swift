public import SystemPackage

/// What a read-only pass over the live manifest found: its state and how the file ends.
public struct ManifestContents: Sendable, Hashable {
    /// The number of the manifest `CURRENT` names.
    public var number: UInt64
    /// The manifest file.
    public var path: FilePath
    /// The fold of every intact record (with the bookkeeping ``Manifest/open(fileIO:layout:configuration:)``
    /// adds: ``ManifestState/manifestNumber`` set, ``ManifestState/nextFileNumber`` above the manifest's).
    public var state: ManifestState
    /// The format version in the header.
    public var version: UInt16
    /// Intact records, the snapshot included.
    public var recordCount: Int
    /// The file's size in bytes.
    public var byteCount: Int
    /// Bytes of a torn last record that opening for writing would drop; `nil` when the file ends cleanly.
    public var droppedTailByteCount: Int?
}

extension Manifest {
    /// Reads the live manifest named by `CURRENT` without changing anything: no truncation of a
    /// torn tail, no file opened for writing. For inspection and verification tools.
    ///
    /// Checks what ``open(fileIO:layout:configuration:)`` checks, in the same order, and reports a
    /// torn tail in ``ManifestContents/droppedTailByteCount`` instead of truncating it.
    ///
    /// - Parameters:
    ///   - fileIO: The file system.
    ///   - layout: The data directory.
    /// - Returns: The manifest's number, state and shape.
    /// - Throws: As ``open(fileIO:layout:configuration:)``: ``StorageError/Code/notFound`` for a
    ///   directory without `CURRENT` or data files, ``StorageError/Code/corruption`` naming the
    ///   file and offset, ``StorageError/Code/unsupported`` for a newer format.
    /// - Complexity: O(manifest size).
    public static func read(fileIO: any FileIO, layout: DataDirectoryLayout) throws(StorageError) -> ManifestContents {
        let number = try readCurrent(fileIO: fileIO, layout: layout)
        let path = layout.manifestFile(number)
        let bytes: [UInt8]
        do {
            bytes = try fileIO.readContents(of: path)
        } catch  where error.code == .notFound {
            throw StorageError(
                .corruption, "CURRENT names \(DataDirectoryLayout.name(of: .manifest(number))), which is missing",
                file: path)
        }
        var reader = try ManifestReader(bytes: bytes, path: path)
        guard reader.number == number else {
            throw StorageError(
                .corruption, "manifest header says number \(reader.number), the file name \(number)", file: path,
                offset: Int64(ManifestFormat.Header.numberOffset))
        }
        var state = ManifestState()
        var records = 0
        while let edit = try reader.next() {
            do {
                state = try state.applying(edit)
            } catch {
                throw StorageError(
                    .corruption, "manifest record does not apply: \(error.message)", file: path,
                    offset: Int64(reader.recordOffset))
            }
            records += 1
        }
        guard records > 0 else {
            throw StorageError(
                .corruption, "manifest has no snapshot record", file: path, offset: Int64(ManifestFormat.Header.size))
        }
        state.manifestNumber = number
        state.nextFileNumber = max(state.nextFileNumber, number + 1)
        return ManifestContents(
            number: number, path: path, state: state, version: reader.version, recordCount: records,
            byteCount: bytes.count, droppedTailByteCount: reader.droppedTail)
    }
}
