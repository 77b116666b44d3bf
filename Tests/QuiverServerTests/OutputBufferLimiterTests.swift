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

    @Test func everyChannelGetsALimiterWhoseLimitCanChange() throws {
        let logger = Logger(label: "test")
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try OutputBufferLimiter.install(on: channel, limit: Int.max, logger: logger)  // no limit yet
        #expect((try? channel.pipeline.syncOperations.handler(type: OutputBufferLimiter.self)) != nil)
        func highWaterMark() throws -> Int { try channel.syncOptions!.getOption(.writeBufferWaterMark).high }
        #expect(try highWaterMark() == Int.max)
        OutputBufferLimiter.update(channel, limit: 4096, logger: logger)
        #expect(try highWaterMark() == 4096)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(!channel.isActive, "over the new limit")
        OutputBufferLimiter.update(channel, limit: 1, logger: logger)  // a closed channel: nothing to do
    }
}
