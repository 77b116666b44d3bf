import Testing

@testable import QuiverServer

@Suite struct MetadataCommandsTests {
    @Test func placeholder() {}
}
