import Testing

@testable import QuiverServer
