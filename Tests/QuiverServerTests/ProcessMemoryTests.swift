import Testing

@testable import QuiverServer

@Suite struct ProcessMemoryTests {
    @Test func parsesStatm() {
        #expect(ProcessMemory.residentBytes(statm: ArraySlice("12345 678 90 1 0 2 0\n".utf8), pageSize: 4096) == 678 * 4096)
        #expect(ProcessMemory.residentBytes(statm: ArraySlice("12345".utf8), pageSize: 4096) == nil)
        #expect(ProcessMemory.residentBytes(statm: ArraySlice("1 x".utf8), pageSize: 4096) == nil)
    }

    #if os(Linux)
    @Test func readsThisProcess() throws {
        let resident = try #require(ProcessMemory.residentBytes())
        #expect(resident > 1 << 20)
    }
    #endif
}
