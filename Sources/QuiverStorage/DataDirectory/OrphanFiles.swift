/// The files in a data directory that nothing refers to, for the engine to delete at open.
///
/// An orphan is a temporary file (`NNNNNN.tmp`: an unpublished segment or an unfinished
/// `CURRENT` replacement), a segment not in `state` (written but never recorded, or removed by an
/// edit whose unlink did not happen), or a manifest other than the live one (left by a roll).
/// WAL files, `CURRENT`, `LOCK` and names that are not Quiver's are never orphans.
///
/// Call it only while no writer is running (at open, under the directory lock): a segment being
/// written, or written but not yet recorded, is listed too.
///
/// - Parameters:
///   - names: The directory's entries, as ``FileIO/contentsOfDirectory(_:)`` lists them.
///   - state: The live manifest's state.
/// - Returns: The orphans' names, sorted.
/// - Complexity: O(*n* log *n*) for *n* names.
public func orphanFiles(in names: [String], state: ManifestState) -> [String] {
    names.filter { name in
        switch DataDirectoryLayout.parse(name) {
        case .temporary?: true
        case .segment(let number)?: state.segmentsByNumber[number] == nil
        case .manifest(let number)?: number != state.manifestNumber
        case .wal?, .current?, .lock?, nil: false
        }
    }.sorted()
}
