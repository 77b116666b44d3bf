import QuiverStorage
import SystemPackage
import Testing

@Suite struct StorageErrorTests {
    @Test func matchesCodesAsPatterns() {
        let error: any Error = StorageError(.corruption, "bad", file: "/x.wal", offset: 12)
        var matched = false
        do { throw error } catch StorageError.corruption { matched = true } catch {}
        #expect(matched)
        #expect(!(StorageError.notFound ~= error))
        #expect(StorageError.io(.noSpace) ~= StorageError(.io(.noSpace), "full"))
        #expect(!(StorageError.io(.ioError) ~= StorageError(.io(.noSpace), "full")))
    }

    @Test func describesLocation() {
        let error = StorageError(.corruption, "checksum mismatch", file: "/d/000001.wal", offset: 4096)
        #expect(error.description == "corruption: checksum mismatch (/d/000001.wal at offset 4096)")
        #expect(StorageError(.notFound, "gone").description == "not found: gone")
        #expect(StorageError.Code.io(.noSpace).errno == .noSpace)
        #expect(StorageError.Code.corruption.errno == nil)
    }
}
