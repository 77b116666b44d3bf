import QuiverFuzzing

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    fuzzRESP(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}
