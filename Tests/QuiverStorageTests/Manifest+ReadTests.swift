import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

/// `Manifest.read`: the same state and checks as `Manifest.open`, and not one byte written.
@Suite struct ManifestReadTests {
    static let layout = ManifestTests.layout

    /// A manifest with a snapshot and `edits` more records, closed.
    static func written(edits: Int) throws -> (SimFS, Manifest) {
        let fs = try ManifestTests.makeFS()
        let manifest = try Manifest.create(fileIO: fs, layout: layout, initial: ManifestEdit(catalogSet: ["docs": [1]]))
        for i in 0..<edits { try manifest.apply(ManifestTests.edit(i)) }
        try manifest.close()
        return (fs, manifest)
    }

    @Test func readsWhatOpenReadsWithoutWriting() throws {
        let (fs, manifest) = try Self.written(edits: 6)
        let mutations = fs.mutationCount
        let contents = try Manifest.read(fileIO: fs, layout: Self.layout)
        #expect(fs.mutationCount == mutations, "read wrote to the file system")
        #expect(fs.openHandleCount == 0)
        #expect(contents.state == manifest.state)
        #expect(contents.number == 1 && contents.path == Self.layout.manifestFile(1) && contents.version == 1)
        #expect(contents.recordCount == 7)
        #expect(contents.byteCount == fs.contents(of: Self.layout.manifestFile(1))!.count)
        #expect(contents.droppedTailByteCount == nil)
        let (_, opened) = try Manifest.open(fileIO: fs, layout: Self.layout)
        #expect(contents.state == opened)
    }

    @Test func aTornTailIsReportedNotTruncated() throws {
        let (fs, _) = try Self.written(edits: 2)
        let path = Self.layout.manifestFile(1)
        let full = fs.contents(of: path)!
        fs.setContents(of: path, to: Array(full.dropLast(5)))
        let mutations = fs.mutationCount
        let contents = try Manifest.read(fileIO: fs, layout: Self.layout)
        #expect(fs.mutationCount == mutations)
        #expect(contents.recordCount == 2)
        #expect(contents.byteCount == full.count - 5)
        let torn = try #require(contents.droppedTailByteCount)
        #expect(fs.contents(of: path)!.count == full.count - 5, "read truncated the torn tail")
        let (reopened, state) = try Manifest.open(fileIO: fs, layout: Self.layout)
        #expect(state == contents.state)
        #expect(reopened.fileSize == Int64(full.count - 5 - torn), "open drops exactly what read reported")
    }

    @Test func damageAndMissingFilesThrowAsOpenDoes() throws {
        let (fs, _) = try Self.written(edits: 3)
        let path = Self.layout.manifestFile(1)
        var bytes = fs.contents(of: path)!
        bytes[32 + 8 + 2] ^= 1
        fs.setContents(of: path, to: bytes)
        let error = expectStorageError(.corruption) { try Manifest.read(fileIO: fs, layout: Self.layout) }
        #expect(error?.file == path && error?.offset == 32)

        fs.setContents(of: Self.layout.currentFile, to: Array("MANIFEST-000009\n".utf8))
        let missing = expectStorageError(.corruption) { try Manifest.read(fileIO: fs, layout: Self.layout) }
        #expect(missing?.message.contains("MANIFEST-000009, which is missing") == true)

        let empty = try ManifestTests.makeFS()
        expectStorageError(.notFound) { try Manifest.read(fileIO: empty, layout: Self.layout) }
    }
}

/// Manifests whose records pass their checksums but cannot be the live state (T18).
extension ManifestReadTests {
    /// A directory whose CURRENT names `MANIFEST-000001` holding `bytes`.
    static func directory(holding bytes: [UInt8], number: UInt64 = 1) throws -> SimFS {
        let fs = try ManifestTests.makeFS()
        fs.setContents(of: layout.manifestFile(number), to: bytes)
        fs.setContents(of: layout.currentFile, to: Array((DataDirectoryLayout.name(of: .manifest(number)) + "\n").utf8))
        return fs
    }

    @Test func aManifestWhoseHeaderNamesAnotherNumberIsRefused() throws {
        let bytes = ManifestFormat.header(number: 3) + ManifestFormat.record(ManifestEdit(nextFileNumber: 4).encoded())
        let fs = try Self.directory(holding: bytes)
        let error = expectStorageError(.corruption) { try Manifest.read(fileIO: fs, layout: Self.layout) }
        #expect(error?.message == "manifest header says number 3, the file name 1")
        expectStorageError(.corruption) { try Manifest.open(fileIO: fs, layout: Self.layout) }
    }

    @Test func aRecordThatDoesNotApplyIsRefused() throws {
        let bytes =
            ManifestFormat.header(number: 1) + ManifestFormat.record(ManifestEdit(nextFileNumber: 2).encoded())
            + ManifestFormat.record(ManifestEdit(removedSegments: [9]).encoded())
        let fs = try Self.directory(holding: bytes)
        let error = expectStorageError(.corruption) { try Manifest.read(fileIO: fs, layout: Self.layout) }
        #expect(error?.message.hasPrefix("manifest record does not apply") == true, "\(String(describing: error))")
        #expect(error?.file == Self.layout.manifestFile(1))
    }

    @Test func aManifestWithoutASnapshotRecordIsRefused() throws {
        let fs = try Self.directory(holding: ManifestFormat.header(number: 1))
        let error = expectStorageError(.corruption) { try Manifest.read(fileIO: fs, layout: Self.layout) }
        #expect(error?.message == "manifest has no snapshot record")
        expectStorageError(.corruption) { try Manifest.open(fileIO: fs, layout: Self.layout) }
    }
}
