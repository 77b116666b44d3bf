extension Manifest {
    /// A failure while replacing `CURRENT`, and whether the rename had already been issued.
    struct CurrentWriteError: Error {
        var error: StorageError
        var renamed: Bool
    }

    /// Creates `MANIFEST-number` holding the header and `state` as one snapshot record, syncs it
    /// and its directory entry.
    ///
    /// - Returns: The open file and its size.
    /// - Throws: ``StorageError``; the file is then closed and removed.
    static func writeManifest(
        fileIO: any FileIO, layout: DataDirectoryLayout, number: UInt64, state: ManifestState
    ) throws(StorageError) -> (FileIOHandle, Int64) {
        let path = layout.manifestFile(number)
        let payload = state.snapshot().encoded()
        guard payload.count <= ManifestFormat.maxRecordLength else {
            throw StorageError(
                .resourceExhausted,
                "manifest snapshot of \(payload.count) bytes exceeds \(ManifestFormat.maxRecordLength)")
        }
        let bytes = ManifestFormat.header(number: number) + ManifestFormat.record(payload)
        let file = try fileIO.open(path, access: .readWrite, options: [.create, .truncate])
        do {
            try fileIO.write(file, toAbsoluteOffset: 0, bytes)
            try fileIO.synchronize(file, dataOnly: true)
            // CURRENT must never name a manifest whose directory entry could still be lost.
            try fileIO.synchronizeDirectory(layout.root)
        } catch {
            try? fileIO.close(file)
            try? fileIO.remove(path)
            throw error.at(path)
        }
        return (file, Int64(bytes.count))
    }

    /// Points `CURRENT` at `MANIFEST-number`: writes `NNNNNN.tmp`, syncs it, renames it over
    /// `CURRENT`, syncs the directory. `CURRENT` is never written in place.
    static func writeCurrent(fileIO: any FileIO, layout: DataDirectoryLayout, number: UInt64) throws(CurrentWriteError)
    {
        let temporary = layout.temporaryFile(number)
        let content = Array((DataDirectoryLayout.name(of: .manifest(number)) + "\n").utf8)
        var renamed = false
        do throws(StorageError) {
            let file = try fileIO.open(temporary, access: .readWrite, options: [.create, .truncate])
            do throws(StorageError) {
                try fileIO.write(file, toAbsoluteOffset: 0, content)
                try fileIO.synchronize(file, dataOnly: true)
            } catch {
                try? fileIO.close(file)
                throw error
            }
            try fileIO.close(file)
            KillPoint.hit("manifest.current.beforeRename")
            try fileIO.rename(temporary, to: layout.currentFile)
            renamed = true
            KillPoint.hit("manifest.current.afterRename")
            try fileIO.synchronizeDirectory(layout.root)
        } catch {
            if !renamed { try? fileIO.remove(temporary) }
            throw CurrentWriteError(error: error.at(layout.currentFile), renamed: renamed)
        }
    }

    /// The number of the manifest `CURRENT` names.
    ///
    /// - Throws: ``StorageError/Code/notFound`` when there is no `CURRENT` and no WAL or segment
    ///   file; ``StorageError/Code/corruption`` when there is none beside such files, or it is malformed.
    static func readCurrent(fileIO: any FileIO, layout: DataDirectoryLayout) throws(StorageError) -> UInt64 {
        let path = layout.currentFile
        let bytes: [UInt8]
        do {
            bytes = try fileIO.readContents(of: path)
        } catch  where error.code == .notFound {
            let data = try fileIO.contentsOfDirectory(layout.root).filter { name in
                switch DataDirectoryLayout.parse(name) {
                case .wal?, .segment?: true
                default: false
                }
            }
            guard data.isEmpty else {
                throw StorageError(
                    .corruption,
                    "CURRENT is missing but the data directory holds data files (\(data.sorted().prefix(3).joined(separator: ", ")))",
                    file: path)
            }
            throw StorageError(
                .notFound, "the data directory has no CURRENT manifest pointer (no database yet)", file: path)
        }
        guard bytes.count <= ManifestFormat.maxCurrentLength, bytes.last == UInt8(ascii: "\n"),
            let name = String(validating: bytes.dropLast(), as: UTF8.self),
            case .manifest(let number)? = DataDirectoryLayout.parse(name), number < UInt64.max
        else {
            throw StorageError(
                .corruption, "CURRENT does not name a manifest (\(bytes.count) bytes)", file: path, offset: 0)
        }
        return number
    }
}
