import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

@Suite struct ManifestTests {
    static let directory: FilePath = "/data"
    static let layout = DataDirectoryLayout(root: directory)

    static func makeFS() throws -> SimFS {
        let fs = SimFS()
        try fs.createDirectory(directory)
        try fs.synchronizeDirectory("/")
        return fs
    }

    static func configuration(rollSize: Int) -> ManifestConfiguration {
        var configuration = ManifestConfiguration()
        configuration.rollSize = rollSize
        return configuration
    }

    /// The `i`-th edit of a workload: adds segment i, drops segment i - 3, moves the checkpoint,
    /// and now and then touches the catalog.
    static func edit(_ i: Int) -> ManifestEdit {
        var edit = ManifestEdit(
            checkpointSequence: UInt64(i * 10), addedSegments: [ManifestEditTests.segment(UInt64(100 + i))])
        if i >= 3 { edit.removedSegments = [UInt64(100 + i - 3)] }
        if i % 4 == 0 { edit.catalogSet = ["c\(i)": Array(repeating: UInt8(i), count: 40)] }
        if i % 4 == 0 && i >= 8 { edit.catalogRemoved = ["c\(i - 8)"] }
        return edit
    }

    /// What must survive: everything but the bookkeeping a roll changes (file numbers).
    static func essence(_ state: ManifestState) -> [String] {
        [
            "checkpoint \(state.checkpointSequence)", "segments \(state.segments.map(\.number))",
            "catalog \(state.catalog.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.count)" })",
        ]
    }

    @Test func createsAppliesAndReopens() throws {
        let fs = try Self.makeFS()
        let manifest = try Manifest.create(
            fileIO: fs, layout: Self.layout, initial: ManifestEdit(catalogSet: ["docs": [1]]))
        #expect(manifest.number == 1 && manifest.state.nextFileNumber == 2 && manifest.state.manifestNumber == 1)
        #expect(fs.contents(of: Self.layout.currentFile) == Array("MANIFEST-000001\n".utf8))
        var expected = manifest.state
        for i in 0..<10 {
            try manifest.apply(Self.edit(i))
            expected = try expected.applying(Self.edit(i))
        }
        #expect(manifest.state == expected)
        try manifest.close()
        expectStorageError(.invalidArgument) { try manifest.apply(ManifestEdit()) }
        let (reopened, state) = try Manifest.open(fileIO: fs, layout: Self.layout)
        #expect(state == expected && reopened.state == expected)
        #expect(Set(try fs.contentsOfDirectory(Self.directory)) == ["CURRENT", "MANIFEST-000001"])
        #expect(orphanFiles(in: try fs.contentsOfDirectory(Self.directory), state: state).isEmpty)
    }

    /// The worked example of `docs/file-format.md`, byte for byte.
    @Test func workedExampleMatchesTheSpecification() throws {
        let fs = try Self.makeFS()
        let manifest = try Manifest.create(
            fileIO: fs, layout: Self.layout, initial: ManifestEdit(catalogSet: ["docs": [1, 2]]))
        try manifest.apply(
            ManifestEdit(
                checkpointSequence: 7,
                addedSegments: [
                    SegmentDescriptor(
                        number: 1, owner: "docs", level: 0, byteCount: 248, recordCount: 3, minSequence: 1,
                        maxSequence: 7)
                ]))
        let expected = [
            "51 56 4d 41 4e 0d 0a 1a 01 00 00 00 00 00 00 00",
            "01 00 00 00 00 00 00 00 00 00 00 00 40 5f 73 4c",
            "ac 2c ad 3e 21 00 00 00 01 02 00 00 00 00 00 00",
            "00 02 00 00 00 00 00 00 00 00 05 04 00 00 00 64",
            "6f 63 73 02 00 00 00 01 02 df 1c 23 a3 3e 00 00",
            "00 02 07 00 00 00 00 00 00 00 03 01 00 00 00 00",
            "00 00 00 00 00 00 00 f8 00 00 00 00 00 00 00 03",
            "00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 07",
            "00 00 00 00 00 00 00 04 00 00 00 64 6f 63 73",
        ].joined(separator: " ").split(separator: " ").map { UInt8($0, radix: 16)! }
        #expect(fs.contents(of: manifest.path) == expected)
    }

    @Test func createRefusesAnExistingDirectoryAndBadInitialEdits() throws {
        let fs = try Self.makeFS()
        _ = try Manifest.create(fileIO: fs, layout: Self.layout, initial: ManifestEdit())
        expectStorageError(.invalidArgument) {
            try Manifest.create(fileIO: fs, layout: Self.layout, initial: ManifestEdit())
        }
        let other = try Self.makeFS()
        expectStorageError(.invalidArgument) {
            try Manifest.create(fileIO: other, layout: Self.layout, initial: ManifestEdit(removedSegments: [1]))
        }
        #expect(try other.contentsOfDirectory(Self.directory).isEmpty)
    }

    @Test func anEditThatDoesNotFitIsRefusedAndTheManifestStaysUsable() throws {
        let fs = try Self.makeFS()
        let manifest = try Manifest.create(fileIO: fs, layout: Self.layout, initial: ManifestEdit())
        let size = manifest.fileSize
        expectStorageError(.invalidArgument) { try manifest.apply(ManifestEdit(removedSegments: [42])) }
        #expect(manifest.fileSize == size && !manifest.isFailed)
        try manifest.apply(Self.edit(0))
    }

    @Test func rollsIntoANewManifestAndRemovesTheOld() throws {
        let fs = try Self.makeFS()
        let manifest = try Manifest.create(
            fileIO: fs, layout: Self.layout, initial: ManifestEdit(), configuration: Self.configuration(rollSize: 600))
        var expected = manifest.state
        var numbers: Set<UInt64> = [manifest.number]
        for i in 0..<60 {
            try manifest.apply(Self.edit(i))
            expected = try expected.applying(Self.edit(i))
            numbers.insert(manifest.number)
            #expect(Self.essence(manifest.state) == Self.essence(expected))
            let names = try fs.contentsOfDirectory(Self.directory)
            #expect(names == ["CURRENT", DataDirectoryLayout.name(of: .manifest(manifest.number))], "\(names)")
            #expect(manifest.state.nextFileNumber > manifest.number)
        }
        #expect(numbers.count >= 4, "rolled \(numbers.count - 1) times")
        let (_, state) = try Manifest.open(fileIO: fs, layout: Self.layout)
        #expect(state == manifest.state)
    }

    @Test func fileNumbersAreNeverHandedOutTwice() throws {
        let fs = try Self.makeFS()
        let manifest = try Manifest.create(
            fileIO: fs, layout: Self.layout, initial: ManifestEdit(nextFileNumber: 5),
            configuration: Self.configuration(rollSize: 300))
        #expect(manifest.number == 5)
        var seen: Set<UInt64> = [5]
        var rolls = 0
        for i in 0..<40 {
            let number = manifest.newFileNumber()
            #expect(seen.insert(number).inserted && number >= manifest.state.nextFileNumber)
            let previous = manifest.number
            try manifest.apply(Self.edit(i))
            if manifest.number != previous {
                rolls += 1
                #expect(seen.insert(manifest.number).inserted, "manifest numbers are fresh")
            }
            #expect(manifest.state.nextFileNumber > number)
        }
        #expect(rolls >= 2)
        let (reopened, state) = try Manifest.open(fileIO: fs, layout: Self.layout)
        #expect(state.nextFileNumber > seen.max()!)
        #expect(reopened.newFileNumber() > seen.max()!)
    }

    // MARK: CURRENT

    @Test func openWithoutCurrent() throws {
        let fs = try Self.makeFS()
        expectStorageError(.notFound) { try Manifest.open(fileIO: fs, layout: Self.layout) }
        // A crash inside create leaves a manifest without CURRENT: still a new directory.
        fs.setContents(of: Self.layout.manifestFile(1), to: [1, 2, 3])
        expectStorageError(.notFound) { try Manifest.open(fileIO: fs, layout: Self.layout) }
        fs.setContents(of: Self.layout.segmentFile(4), to: [1, 2, 3])
        let error = expectStorageError(.corruption) { try Manifest.open(fileIO: fs, layout: Self.layout) }
        #expect(error?.file == Self.layout.currentFile && error?.message.contains("000004.seg") == true)
    }

    @Test(arguments: [
        "", "MANIFEST-000001", "MANIFEST-1\n", "MANIFEST-000001\n\n", "000001.seg\n",
        String(repeating: "M", count: 100), "MANIFEST-18446744073709551615\n",
    ])
    func aMalformedCurrentIsRefused(content: String) throws {
        let fs = try Self.makeFS()
        _ = try Manifest.create(fileIO: fs, layout: Self.layout, initial: ManifestEdit())
        fs.setContents(of: Self.layout.currentFile, to: Array(content.utf8))
        let error = expectStorageError(.corruption) { try Manifest.open(fileIO: fs, layout: Self.layout) }
        #expect(error?.file == Self.layout.currentFile)
    }

    @Test func currentNamingAMissingManifestIsRefused() throws {
        let fs = try Self.makeFS()
        _ = try Manifest.create(fileIO: fs, layout: Self.layout, initial: ManifestEdit())
        fs.setContents(of: Self.layout.currentFile, to: Array("MANIFEST-000009\n".utf8))
        let error = expectStorageError(.corruption) { try Manifest.open(fileIO: fs, layout: Self.layout) }
        #expect(error?.file == Self.layout.manifestFile(9) && error?.message.contains("missing") == true)
    }

    @Test func aManifestWithADifferentNumberOrNoSnapshotIsRefused() throws {
        let fs = try Self.makeFS()
        _ = try Manifest.create(fileIO: fs, layout: Self.layout, initial: ManifestEdit())
        let bytes = fs.contents(of: Self.layout.manifestFile(1))!
        fs.setContents(of: Self.layout.manifestFile(1), to: Array(bytes.prefix(32)))
        expectStorageError(.corruption) { try Manifest.open(fileIO: fs, layout: Self.layout) }
        fs.setContents(of: Self.layout.manifestFile(1), to: ManifestReaderTests.image(number: 2).bytes)
        expectStorageError(.corruption) { try Manifest.open(fileIO: fs, layout: Self.layout) }
    }

    // MARK: Torn and damaged records

    @Test func aTornLastRecordIsDroppedAndTruncated() throws {
        let fs = try Self.makeFS()
        let manifest = try Manifest.create(fileIO: fs, layout: Self.layout, initial: ManifestEdit())
        try manifest.apply(Self.edit(0))
        let before = manifest.state
        let size = manifest.fileSize
        try manifest.apply(Self.edit(1))
        let path = Self.layout.manifestFile(1)
        let full = fs.contents(of: path)!
        for cut in Int(size)..<full.count {
            fs.setContents(of: path, to: Array(full.prefix(cut)) + [UInt8](repeating: 0, count: full.count - cut))
            let (reopened, state) = try Manifest.open(fileIO: fs, layout: Self.layout)
            #expect(state == before, "cut at \(cut)")
            #expect(fs.contents(of: path)!.count == Int(size), "the torn tail is truncated away")
            // The next edit goes where the torn one was, and reads back.
            try reopened.apply(Self.edit(1))
            let after = try before.applying(Self.edit(1))
            #expect(try Manifest.open(fileIO: fs, layout: Self.layout).1 == after)
        }
    }

    @Test func aBadMiddleRecordIsRefused() throws {
        let fs = try Self.makeFS()
        let manifest = try Manifest.create(fileIO: fs, layout: Self.layout, initial: ManifestEdit())
        try manifest.apply(Self.edit(0))
        let size = Int(manifest.fileSize)
        try manifest.apply(Self.edit(1))
        try manifest.apply(Self.edit(2))
        let path = Self.layout.manifestFile(1)
        var bytes = fs.contents(of: path)!
        bytes[size + 12] ^= 4
        fs.setContents(of: path, to: bytes)
        let error = expectStorageError(.corruption) { try Manifest.open(fileIO: fs, layout: Self.layout) }
        #expect(error?.file == path && error?.offset == Int64(size))
    }

    @Test func aRecordThatDoesNotApplyIsRefused() throws {
        let fs = try Self.makeFS()
        let path = Self.layout.manifestFile(1)
        fs.setContents(of: Self.layout.currentFile, to: Array("MANIFEST-000001\n".utf8))
        let image = ManifestReaderTests.image([ManifestEdit(), ManifestEdit(removedSegments: [5]), ManifestEdit()])
        fs.setContents(of: path, to: image.bytes)
        let error = expectStorageError(.corruption) { try Manifest.open(fileIO: fs, layout: Self.layout) }
        #expect(error?.offset == Int64(image.starts[1]) && error?.message.contains("does not apply") == true)
    }

    // MARK: Failures

    /// The fsyncgate rule: a failed `fdatasync` is not retried; the manifest refuses every later edit.
    @Test(arguments: [FaultyFileIO.Operation.synchronize, .write])
    func aFailedApplyFailsTheManifest(operation: FaultyFileIO.Operation) throws {
        let fs = try Self.makeFS()
        let io = FaultyFileIO(wrapping: fs)
        let manifest = try Manifest.create(fileIO: io, layout: Self.layout, initial: ManifestEdit())
        try manifest.apply(Self.edit(0))
        let before = manifest.state
        io.inject(.init([operation], .once(1), .error(.ioError)))
        expectStorageError(.io(.ioError)) { try manifest.apply(Self.edit(1)) }
        #expect(manifest.isFailed && manifest.state == before)
        let syncs = io.count(of: .synchronize)
        let error = expectStorageError(.readOnly) { try manifest.apply(Self.edit(1)) }
        #expect(error?.message.contains("reopen") == true)
        expectStorageError(.readOnly) { try manifest.apply(ManifestEdit()) }
        #expect(io.count(of: .synchronize) == syncs, "nothing is retried")
        // Reopening recovers from the disk: the unacknowledged edit may or may not be there.
        let (_, state) = try Manifest.open(fileIO: fs, layout: Self.layout)
        let after = try before.applying(Self.edit(1))
        #expect(state == before || state == after)
    }

    /// Every I/O step of a roll fails in turn: the apply throws, the manifest is failed, and
    /// reopening gives the state before or after the edit.
    @Test func aFailedRollFailsTheManifestAndReopensToOldOrNew() throws {
        let rollAt = try Self.rollingEdit()
        let operations: [FaultyFileIO.Operation] = [
            .open, .write, .synchronize, .synchronizeDirectory, .rename, .close,
        ]
        for operation in operations {
            for k in 1...3 {
                let fs = try Self.makeFS()
                let io = FaultyFileIO(wrapping: fs)
                let (manifest, before) = try Self.prepare(io, edits: rollAt)
                io.inject(.init([operation], .once(k), .error(.noSpace)))
                let failed = (try? manifest.apply(Self.edit(rollAt))) == nil
                if !failed { continue }
                #expect(manifest.isFailed)
                expectStorageError(.readOnly) { try manifest.apply(ManifestEdit()) }
                let (_, state) = try Manifest.open(fileIO: fs, layout: Self.layout)
                let after = try before.applying(Self.edit(rollAt))
                #expect(
                    Self.essence(state) == Self.essence(before) || Self.essence(state) == Self.essence(after),
                    "\(operation) #\(k)")
            }
        }
    }

    // MARK: Crash points

    static let crashConfiguration = configuration(rollSize: 500)

    /// The number of workload edits after which the next one rolls.
    static func rollingEdit() throws -> Int {
        let fs = try makeFS()
        let manifest = try Manifest.create(
            fileIO: fs, layout: layout, initial: ManifestEdit(), configuration: crashConfiguration)
        for i in 0..<100 {
            let number = manifest.number
            try manifest.apply(edit(i))
            if manifest.number != number { return i }
        }
        preconditionFailure("no roll")
    }

    /// A manifest holding the first `edits` workload edits.
    static func prepare(_ fileIO: any FileIO, edits: Int) throws -> (Manifest, ManifestState) {
        let manifest = try Manifest.create(
            fileIO: fileIO, layout: layout, initial: ManifestEdit(), configuration: crashConfiguration)
        for i in 0..<edits { try manifest.apply(edit(i)) }
        return (manifest, manifest.state)
    }

    /// Crash images of `fs`: synced-only, all-issued and seeded random ones.
    static func images(_ fs: SimFS, seed: Int) -> [SimFS] {
        [fs.crashImage(policy: .syncedOnly), fs.crashImage(policy: .allIssued)]
            + (0..<8).map { fs.crashImage(policy: .random, seed: UInt64(seed * 16 + $0)) }
    }

    /// Opens a crash image twice (recovery must be idempotent) and returns the state.
    static func recover(_ image: SimFS) throws -> ManifestState {
        let (manifest, state) = try Manifest.open(fileIO: image, layout: layout, configuration: crashConfiguration)
        try manifest.close()
        let (_, again) = try Manifest.open(fileIO: image, layout: layout, configuration: crashConfiguration)
        #expect(again == state, "recovery is idempotent")
        return state
    }

    /// T2: a crash at every mutating I/O step of an append and of a roll (new manifest, directory
    /// sync, CURRENT's temporary file, rename, directory sync, unlink of the old manifest):
    /// reopening gives the old state or the new one, never an error, and a successful apply is durable.
    @Test(arguments: [false, true])
    func crashAtEveryStepOfAnApplyOrARoll(rolling: Bool) throws {
        let rollAt = try Self.rollingEdit()
        let prefix = rolling ? rollAt : rollAt - 1
        let probe = try Self.makeFS()
        let (probeManifest, _) = try Self.prepare(probe, edits: prefix)
        let start = probe.mutationCount
        try probeManifest.apply(Self.edit(prefix))
        #expect((probeManifest.number != 1) == rolling)
        let steps = probe.mutationCount - start
        #expect(steps >= (rolling ? 8 : 2))
        var outcomes: Set<String> = []
        for k in 0...steps {
            let fs = try Self.makeFS()
            let (manifest, before) = try Self.prepare(fs, edits: prefix)
            let after = try before.applying(Self.edit(prefix))
            fs.crash(afterMutations: fs.mutationCount + k)
            let acknowledged = (try? manifest.apply(Self.edit(prefix))) != nil
            for (index, image) in Self.images(fs, seed: k).enumerated() {
                let state = try Self.recover(image)
                let essence = Self.essence(state)
                if essence == Self.essence(after) {
                    outcomes.insert("new")
                } else {
                    #expect(essence == Self.essence(before), "step \(k) image \(index): \(essence)")
                    #expect(!acknowledged, "step \(k) image \(index): an acknowledged edit was lost")
                    outcomes.insert("old")
                }
                let orphans = orphanFiles(in: try image.contentsOfDirectory(Self.directory), state: state)
                #expect(orphans.allSatisfy { $0.hasPrefix("MANIFEST-") || $0.hasSuffix(".tmp") }, "\(orphans)")
            }
        }
        #expect(outcomes == ["old", "new"])
    }

    /// T2 for creation: a crash anywhere in `create` leaves either a new directory (open says
    /// not found, and create works) or the created manifest.
    @Test func crashAtEveryStepOfCreate() throws {
        let probe = try Self.makeFS()
        let start = probe.mutationCount
        _ = try Manifest.create(fileIO: probe, layout: Self.layout, initial: ManifestEdit(catalogSet: ["a": [1]]))
        let steps = probe.mutationCount - start
        for k in 0...steps {
            let fs = try Self.makeFS()
            fs.crash(afterMutations: fs.mutationCount + k)
            let created =
                (try? Manifest.create(fileIO: fs, layout: Self.layout, initial: ManifestEdit(catalogSet: ["a": [1]])))
                != nil
            for (index, image) in Self.images(fs, seed: k).enumerated() {
                do {
                    let state = try Self.recover(image)
                    #expect(state.catalog == ["a": [1]])
                } catch let error as StorageError where error.code == .notFound {
                    #expect(!created, "step \(k) image \(index): a created manifest was lost")
                    _ = try Manifest.create(fileIO: image, layout: Self.layout, initial: ManifestEdit())
                }
            }
        }
    }
}

/// Limits and failures on the less travelled paths (T18).
extension ManifestTests {
    /// A 64 MiB catalog value: an edit that large is refused (the manifest stays usable), and so
    /// is a first snapshot that large.
    @Test func recordsOver64MiBAreRefused() throws {
        let huge = ManifestEdit(catalogSet: ["big": [UInt8](repeating: 0, count: ManifestFormat.maxRecordLength)])
        let fs = try Self.makeFS()
        let manifest = try Manifest.create(fileIO: fs, layout: Self.layout, initial: ManifestEdit())
        expectStorageError(.invalidArgument) { try manifest.apply(huge) }
        #expect(!manifest.isFailed)
        try manifest.apply(Self.edit(0))
        try manifest.close()
        try manifest.close()  // a second close does nothing
        let other = try Self.makeFS()
        expectStorageError(.resourceExhausted) { try Manifest.create(fileIO: other, layout: Self.layout, initial: huge) }
        #expect(try other.contentsOfDirectory(Self.directory).isEmpty)
    }

    /// Opening truncates a torn tail; when that fails the open fails, and leaves no handle open.
    @Test func aFailedTruncationOfATornTailFailsTheOpen() throws {
        let fs = try Self.makeFS()
        let manifest = try Manifest.create(fileIO: fs, layout: Self.layout, initial: ManifestEdit())
        try manifest.apply(Self.edit(0))
        try manifest.close()
        let path = Self.layout.manifestFile(1)
        fs.setContents(of: path, to: fs.contents(of: path)! + [1, 2, 3])
        let io = FaultyFileIO(wrapping: fs, rules: [.init([.resize], .once(1), .error(.ioError))])
        let error = expectStorageError(.io(.ioError)) { try Manifest.open(fileIO: io, layout: Self.layout) }
        #expect(error?.file == path)
        #expect(fs.openHandleCount == 0)
        let (_, state) = try Manifest.open(fileIO: fs, layout: Self.layout)
        #expect(Self.essence(state) == Self.essence(try ManifestState().applying(Self.edit(0))))
    }
}
