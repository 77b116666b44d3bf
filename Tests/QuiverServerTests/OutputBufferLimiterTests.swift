import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import QuiverServer

@Suite struct OutputBufferLimiterTests {
    @Test func closesWhenTheChannelTurnsUnwritable() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(OutputBufferLimiter(limit: 1024, logger: Logger(label: "test")))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(channel.isActive)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(!channel.isActive)
    }

    @Test func installAddsALimiterOnlyForALimit() throws {
        let limited = EmbeddedChannel()
        try OutputBufferLimiter.install(on: limited, limit: 4096, logger: Logger(label: "test"))
        #expect((try? limited.pipeline.syncOperations.handler(type: OutputBufferLimiter.self)) != nil)
        let unlimited = EmbeddedChannel()
        try OutputBufferLimiter.install(on: unlimited, limit: Int.max, logger: Logger(label: "test"))
        #expect((try? unlimited.pipeline.syncOperations.handler(type: OutputBufferLimiter.self)) == nil)
    }
}
