import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

@Suite struct DataDirectoryLockTests {
    static func checkExclusion(_ fileIO: any FileIO, _ layout: DataDirectoryLayout) throws {
        let lock = try DataDirectoryLock.acquire(fileIO: fileIO, layout: layout)
        #expect(lock.isHeld)
        let error = expectStorageError(.io(.wouldBlock)) {
            try DataDirectoryLock.acquire(fileIO: fileIO, layout: layout)
        }
        #expect(error?.message == "data directory \(layout.root) is in use by another Quiver process (LOCK is held)")
        try lock.release()
        #expect(!lock.isHeld)
        try lock.release()
        let again = try DataDirectoryLock.acquire(fileIO: fileIO, layout: layout)
        try again.release()
        // Dropping a lock releases it.
        do { _ = try DataDirectoryLock.acquire(fileIO: fileIO, layout: layout) }
        try DataDirectoryLock.acquire(fileIO: fileIO, layout: layout).release()
    }

    @Test func excludesASecondHolderOnSimFS() throws {
        let fs = try SegmentTestData.makeFS()
        try Self.checkExclusion(fs, SegmentTestData.layout)
        #expect(fs.openHandleCount == 0)
        #expect(try fs.contentsOfDirectory(SegmentTestData.directory) == ["LOCK"])
    }

    /// `flock` belongs to the open file description: a second open in this process cannot take it.
    @Test func excludesASecondHolderOnARealFileSystem() throws {
        try withTemporaryDirectory { directory in
            try Self.checkExclusion(PosixFileIO(), DataDirectoryLayout(root: directory))
        }
    }

    @Test func reportsAMissingDirectory() {
        expectStorageError(.notFound) {
            try DataDirectoryLock.acquire(fileIO: SimFS(), layout: DataDirectoryLayout(root: "/nowhere"))
        }
    }
}
