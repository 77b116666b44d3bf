import NIOCore
import Testing

@testable import QuiverRESP

/// Request parsing as Redis 8.8 does it; every expectation below was checked against the anchor
/// server (docs/notes-resp-anchor.md), except where a comment says we deliberately differ.
@Suite struct RESPRequestParserTests {
    // MARK: Multibulk

    @Test func parsesMultibulkCommandsInOrder() {
        let input = multibulk(["SET", "key", "value"]) + multibulk(["GET", "key"])
        let result = DecoderVerifier.requests(input)
        #expect(result.outputs.map(strings) == [["SET", "key", "value"], ["GET", "key"]])
        #expect(result.error == nil)
        #expect(result.leftover == 0)
    }

    @Test func argumentsAreBinarySafe() {
        let input =
            bytes("*3\r\n$3\r\nSET\r\n$2\r\nk\0\r\n$4\r\na\r\nb\r\n") + bytes("*2\r\n$3\r\nGET\r\n$2\r\nk\0\r\n")
            + bytes("*1\r\n$4\r\nPI\0G\r\n") + bytes("*2\r\n$0\r\n\r\n$2\r\n\r\n\r\n")
        let result = DecoderVerifier.requests(input)
        #expect(result.outputs.map(strings) == [["SET", "k\0", "a\r\nb"], ["GET", "k\0"], ["PI\0G"], ["", "\r\n"]])
    }

    @Test func copyingFormReusesTheArraysOfArgumentsNobodyKept() throws {
        var parser = RESPRequestParser()
        var arguments: [[UInt8]] = []
        var buffer = ByteBuffer(bytes: multibulk(["GET", "first"]) + multibulk(["SET", "k", "v"]) + multibulk(["GET", "x"]))
        #expect(try parser.next(in: &buffer, into: &arguments))
        #expect(arguments == [bytes("GET"), bytes("first")])
        let storage = arguments.map { $0.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
        let kept = arguments[1]
        #expect(try parser.next(in: &buffer, into: &arguments))
        #expect(arguments == [bytes("SET"), bytes("k"), bytes("v")])
        let after = arguments.map { $0.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
        #expect(after[0] == storage[0])  // nobody kept "GET": its array was refilled
        #expect(after[1] != storage[1])  // "first" was kept: a new array, the kept one unchanged
        #expect(kept == bytes("first"))
        #expect(try parser.next(in: &buffer, into: &arguments))
        #expect(arguments == [bytes("GET"), bytes("x")])
        #expect(try !parser.next(in: &buffer, into: &arguments))
    }

    @Test func argumentsAreSlicesOfTheReceivedBuffer() throws {
        var buffer = ByteBuffer(bytes: multibulk(["SET", "key", String(repeating: "v", count: 4096)]))
        let base = buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let end = base + UInt(buffer.readableBytes)
        var parser = RESPRequestParser()
        let command = try #require(try parser.next(in: &buffer))
        #expect(command[2].readableBytes == 4096)
        let payload = command[2].withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(payload > base && payload < end)
    }

    @Test(arguments: ["*0\r\n", "*-1\r\n", "*-5\r\n", "*-10\r\n", "\r\n", "\n", "\r\n\r\n", "   \t\r\n"])
    func emptyCommandsAreSkipped(prefix: String) {
        let result = DecoderVerifier.requests(bytes(prefix + "PING\r\n"))
        #expect(result.outputs.map(strings) == [["PING"]])
        #expect(result.error == nil)
    }

    /// Redis skips the two bytes after a CR without looking at them.
    @Test func bytesAfterCRAreNotChecked() {
        #expect(DecoderVerifier.requests(bytes("*1\r\n$4\r\nPINGxx")).outputs.map(strings) == [["PING"]])
        #expect(DecoderVerifier.requests(bytes("*1\rX$4\r\nPING\r\n")).outputs.map(strings) == [["PING"]])
        #expect(DecoderVerifier.requests(bytes("*1\r\n$4\rYPING\r\n")).outputs.map(strings) == [["PING"]])
    }

    @Test(arguments: [
        ("*1\r\nfoo\r\n", UInt8(ascii: "f")), ("*1\r\n\0foo\r\n", 0), ("*1\r\n\rfoo\r\n", UInt8(ascii: "\r")),
        ("*1\r\n\nfoo\r\n", UInt8(ascii: "\n")), ("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", UInt8(ascii: "f")),
    ])
    func nonDollarArgumentIsAnError(input: String, byte: UInt8) {
        let result = DecoderVerifier.requests(bytes(input))
        #expect(result.outputs.isEmpty)
        #expect(result.error?.code == .expectedDollar)
        #expect(result.error?.offendingByte == byte)
    }

    @Test func offendingByteIsReportedRaw() {
        var input = bytes("*1\r\n")
        input += [0xFF] + bytes("foo\r\n")
        let error = DecoderVerifier.requests(input).error
        #expect(
            error?.replyBytes
                == ByteBuffer(bytes: bytes("-ERR Protocol error: expected '$', got '") + [0xFF] + bytes("'\r\n")))
        #expect(error?.description == "ERR Protocol error: expected '$', got '\\xff'")
    }

    @Test(arguments: [
        "*abc\r\n", "*\r\n", "*+1\r\n", "*01\r\n", "*-0\r\n", "* 1\r\n", "*1 \r\n", "*2147483648\r\n",
        "*3000000000\r\n",
        "*99999999999999999999\r\n", "*1048577\r\n",
    ])
    func badMultibulkCountIsAnError(input: String) {
        let result = DecoderVerifier.requests(bytes(input))
        #expect(result.error?.code == .invalidMultibulkLength)
        #expect(result.error?.replyBytes == ByteBuffer(string: "-ERR Protocol error: invalid multibulk length\r\n"))
    }

    /// Redis 8.8 accepts up to `INT_MAX` arguments; our default stops at 1,048,576 (the pre-7.0 limit).
    @Test func multibulkCountLimitIsConfigurable() {
        #expect(DecoderVerifier.requests(bytes("*1048576\r\n")).error == nil)
        var limits = RESPRequestLimits.redisDefaults
        limits.maxMultibulkCount = Int(Int32.max)
        #expect(DecoderVerifier.requests(bytes("*2147483647\r\n$1\r\na\r\n"), limits: limits).error == nil)
        #expect(
            DecoderVerifier.requests(bytes("*2147483648\r\n"), limits: limits).error?.code == .invalidMultibulkLength)
        limits.maxMultibulkCount = Int.max
        #expect(
            DecoderVerifier.requests(bytes("*2147483648\r\n"), limits: limits).error?.code == .invalidMultibulkLength)
        limits.maxMultibulkCount = 2
        #expect(DecoderVerifier.requests(bytes("*3\r\n"), limits: limits).error?.code == .invalidMultibulkLength)
    }

    @Test(arguments: [
        "*1\r\n$-1\r\n", "*1\r\n$-10\r\n", "*1\r\n$abc\r\n", "*1\r\n$\r\n", "*1\r\n$+1\r\n", "*1\r\n$01\r\n",
        "*1\r\n$536870913\r\n", "*1\r\n$2000000000\r\n", "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n",
        "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n",
    ])
    func badBulkLengthIsAnError(input: String) {
        let result = DecoderVerifier.requests(bytes(input))
        #expect(result.error?.code == .invalidBulkLength)
        #expect(result.error?.replyBytes == ByteBuffer(string: "-ERR Protocol error: invalid bulk length\r\n"))
    }

    @Test func largestBulkIsAcceptedAndWaitedFor() {
        let result = DecoderVerifier.requests(bytes("*1\r\n$536870912\r\n"))
        #expect(result.error == nil && result.outputs.isEmpty)
        var limits = RESPRequestLimits.redisDefaults
        limits.maxBulkLength = 3
        #expect(DecoderVerifier.requests(bytes("*1\r\n$3\r\nabc\r\n"), limits: limits).outputs.count == 1)
        #expect(
            DecoderVerifier.requests(bytes("*1\r\n$4\r\nabcd\r\n"), limits: limits).error?.code == .invalidBulkLength)
    }

    // MARK: Before authentication

    @Test func unauthenticatedLimits() {
        let limits = RESPRequestLimits.redisUnauthenticated
        #expect(DecoderVerifier.requests(bytes("*10\r\n"), limits: limits).error == nil)
        let many = DecoderVerifier.requests(bytes("*11\r\n"), limits: limits).error
        #expect(many?.code == .unauthenticatedMultibulkLength)
        #expect(many?.replyBytes == ByteBuffer(string: "-ERR Protocol error: unauthenticated multibulk length\r\n"))
        #expect(DecoderVerifier.requests(bytes("*1\r\n$16384\r\n"), limits: limits).error == nil)
        let long = DecoderVerifier.requests(bytes("*1\r\n$16385\r\n"), limits: limits).error
        #expect(long?.code == .unauthenticatedBulkLength)
        #expect(long?.replyBytes == ByteBuffer(string: "-ERR Protocol error: unauthenticated bulk length\r\n"))
        // The general limits are checked first, as in Redis.
        #expect(
            DecoderVerifier.requests(bytes("*1\r\n$536870913\r\n"), limits: limits).error?.code == .invalidBulkLength)
        #expect(
            DecoderVerifier.requests(bytes("*2147483648\r\n"), limits: limits).error?.code == .invalidMultibulkLength)
        // Inline commands have no extra cap.
        #expect(DecoderVerifier.requests(bytes("A B C D E F G H I J K L\r\n"), limits: limits).outputs.count == 1)
    }

    @Test func limitsCanBeRelaxedBetweenCommands() throws {
        var parser = RESPRequestParser(limits: .redisUnauthenticated)
        let big = String(repeating: "x", count: 20_000)
        var buffer = ByteBuffer(bytes: multibulk(["AUTH", "pw"]) + multibulk(["SET", "k", big]))
        #expect(try parser.next(in: &buffer).map(strings) == ["AUTH", "pw"])
        parser.limits.unauthenticated = nil
        #expect(try parser.next(in: &buffer).map(strings) == ["SET", "k", big])
    }

    // MARK: Errors end the stream

    @Test func commandsBeforeAnErrorAreKept() {
        let result = DecoderVerifier.requests(bytes("PING\r\n*1\r\n$4\r\nPING\r\nfoo\"\r\nPING\r\n"))
        #expect(result.outputs.map(strings) == [["PING"], ["PING"]])
        #expect(result.error?.code == .unbalancedQuotes)
    }

    @Test func errorsAreSticky() throws {
        var parser = RESPRequestParser()
        var buffer = ByteBuffer(string: "*x\r\n")
        #expect(throws: RESPError.self) { try parser.next(in: &buffer) }
        buffer.writeString("PING\r\n")
        #expect(throws: RESPError.self) { try parser.next(in: &buffer) }
        #expect(parser.failure?.code == .invalidMultibulkLength)
        #expect(!parser.isIdle)
    }

    /// Redis 8.8 silently drops an error in a command whose start came in an earlier read (the
    /// connection then hangs); we report it however the bytes arrive.
    @Test func errorsInResumedCommandsAreReported() {
        var parser = RESPRequestParser()
        var buffer = ByteBuffer(string: "*2\r\n$1\r\na\r\n")
        #expect((try? parser.next(in: &buffer)) == .some(nil))
        buffer.writeString("foo\r\n")
        #expect { try parser.next(in: &buffer) } throws: { ($0 as? RESPError)?.code == .expectedDollar }
    }

    // MARK: Line limits (applied as if bytes arrived one at a time)

    @Test func inlineLineLimit() {
        let fits = DecoderVerifier.requests(bytes(String(repeating: "A", count: 65_536)), maximumSplits: 64)
        #expect(fits.error == nil && fits.outputs.isEmpty)
        let tooBig = DecoderVerifier.requests(bytes(String(repeating: "A", count: 65_537)), maximumSplits: 64)
        #expect(tooBig.error?.code == .tooBigInlineRequest)
        #expect(tooBig.error?.replyBytes == ByteBuffer(string: "-ERR Protocol error: too big inline request\r\n"))
        let longest = DecoderVerifier.requests(bytes(String(repeating: "A", count: 65_536) + "\n"), maximumSplits: 64)
        #expect(longest.outputs.first?.first?.readableBytes == 65_536)
        // The CR before the LF counts.
        let withCR = DecoderVerifier.requests(bytes(String(repeating: "A", count: 65_536) + "\r\n"), maximumSplits: 64)
        #expect(withCR.error?.code == .tooBigInlineRequest)
        // Redis accepts this in one 16 KiB-chunked write but not byte by byte; we always refuse.
        let oneShot = DecoderVerifier.requests(
            bytes("ECHO " + String(repeating: "A", count: 70_000) + "\r\n"), maximumSplits: 16)
        #expect(oneShot.error?.code == .tooBigInlineRequest)
    }

    @Test func inlineLimitIsConfigurable() {
        var limits = RESPRequestLimits.redisDefaults
        limits.maxInlineRequestLength = 8
        #expect(DecoderVerifier.requests(bytes("PING 123\n"), limits: limits).outputs.count == 1)
        #expect(DecoderVerifier.requests(bytes("PING 1234\n"), limits: limits).error?.code == .tooBigInlineRequest)
        limits.maxInlineRequestLength = Int.max
        #expect(DecoderVerifier.requests(bytes("PING 1234\n"), limits: limits).outputs.count == 1)
    }

    /// A NUL before the line end hides it from Redis's `strchr`, so the line never ends.
    @Test func nulHidesTheInlineLineEnd() {
        let stuck = DecoderVerifier.requests(bytes("PING\0\r\nPING\r\n"))
        #expect(stuck.outputs.isEmpty && stuck.error == nil)
        let waits = DecoderVerifier.requests(bytes("PING\0" + String(repeating: "A", count: 65_531)), maximumSplits: 32)
        #expect(waits.outputs.isEmpty && waits.error == nil)
        let fails = DecoderVerifier.requests(bytes("PING\0" + String(repeating: "A", count: 65_532)), maximumSplits: 32)
        #expect(fails.error?.code == .tooBigInlineRequest)
    }

    @Test func countLineLimit() {
        let fits = DecoderVerifier.requests(bytes("*" + String(repeating: "1", count: 65_535)), maximumSplits: 32)
        #expect(fits.error == nil)
        let tooBig = DecoderVerifier.requests(bytes("*" + String(repeating: "1", count: 65_536)), maximumSplits: 32)
        #expect(tooBig.error?.code == .tooBigMultibulkCountString)
        #expect(tooBig.error?.replyBytes == ByteBuffer(string: "-ERR Protocol error: too big mbulk count string\r\n"))
        let crAtLimit = DecoderVerifier.requests(
            bytes("*" + String(repeating: "1", count: 65_535) + "\r"), maximumSplits: 32)
        #expect(crAtLimit.error == nil)
        let thenLF = DecoderVerifier.requests(
            bytes("*" + String(repeating: "1", count: 65_535) + "\r\n"), maximumSplits: 32)
        #expect(thenLF.error?.code == .invalidMultibulkLength)
    }

    @Test func bulkLengthLineLimit() {
        let fits = DecoderVerifier.requests(bytes("*1\r\n$" + String(repeating: "1", count: 65_535)), maximumSplits: 32)
        #expect(fits.error == nil)
        // Redis 8.8 never sends this one (see errorsInResumedCommandsAreReported); Redis 7 did.
        let tooBig = DecoderVerifier.requests(
            bytes("*1\r\n$" + String(repeating: "1", count: 65_536)), maximumSplits: 32)
        #expect(tooBig.error?.code == .tooBigBulkCountString)
        #expect(tooBig.error?.replyBytes == ByteBuffer(string: "-ERR Protocol error: too big bulk count string\r\n"))
        // The length check comes before the '$' check.
        let noDollar = DecoderVerifier.requests(
            bytes("*1\r\nx" + String(repeating: "1", count: 65_536)), maximumSplits: 32)
        #expect(noDollar.error?.code == .tooBigBulkCountString)
        var limits = RESPRequestLimits.redisDefaults
        limits.maxLengthLineLength = 4
        #expect(
            DecoderVerifier.requests(bytes("*2\r\n$1\r\na\r\n$10\r\n0123456789\r\n"), limits: limits).outputs.count == 1
        )
        #expect(
            DecoderVerifier.requests(bytes("*2\r\n$1\r\na\r\n$1000"), limits: limits).error?.code
                == .tooBigBulkCountString)
        #expect(DecoderVerifier.requests(bytes("*1000"), limits: limits).error?.code == .tooBigMultibulkCountString)
    }

    /// Redis's desync regression tests (`protocol.tcl`): garbage after a NUL never ends a line,
    /// so the connection is closed once the line limit is passed.
    @Test(arguments: ["\0", "*\0", "$\0"])
    func desyncRegression(prefix: String) {
        let input = bytes(prefix + String(repeating: "payload", count: 10_000))
        let result = DecoderVerifier.requests(input, maximumSplits: 16)
        #expect(result.outputs.isEmpty)
        #expect(result.error?.code == (prefix == "*\0" ? .tooBigMultibulkCountString : .tooBigInlineRequest))
    }

    // MARK: Memory

    /// A client that declares a 2 GB bulk and sends 10 bytes costs those bytes and nothing more.
    @Test func declaredLengthsAreNotReserved() throws {
        var limits = RESPRequestLimits.redisDefaults
        limits.maxBulkLength = 4 << 30
        var parser = RESPRequestParser(limits: limits)
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        buffer.writeString("*1\r\n$2000000000\r\n0123456789")
        let capacity = buffer.capacity
        #expect(try parser.next(in: &buffer) == nil)
        #expect(buffer.capacity == capacity)
        #expect(buffer.readableBytes == 27)
        #expect(!parser.isIdle)
        #expect(MemoryLayout<RESPRequestParser>.size < 128)
        // Likewise a huge argument count: nothing is sized from it.
        var countParser = RESPRequestParser(limits: limits)
        var counts = ByteBuffer(string: "*1048576\r\n$1\r\na\r\n")
        #expect(try countParser.next(in: &counts) == nil)
        // With the default limit the same declaration is refused outright.
        var strict = RESPRequestParser()
        var again = ByteBuffer(string: "*1\r\n$2000000000\r\n0123456789")
        #expect { try strict.next(in: &again) } throws: { ($0 as? RESPError)?.code == .invalidBulkLength }
    }

    @Test func tenThousandPipelinedCommands() {
        var input: [UInt8] = []
        for index in 0..<10_000 {
            input +=
                index.isMultiple(of: 3)
                ? bytes("GET key:\(index)\r\n") : multibulk(["SET", "key:\(index)", "v\(index)"])
        }
        let result = DecoderVerifier.requests(input, maximumSplits: 8)
        #expect(result.outputs.count == 10_000)
        #expect(result.error == nil)
        #expect(strings(result.outputs[9_999]) == ["GET", "key:9999"])
        #expect(strings(result.outputs[10]) == ["SET", "key:10", "v10"])
    }

    @Test func resumedCommandsCompleteInLinearTime() throws {
        // 100,000 arguments arriving in 1,000 pieces: each piece is scanned once.
        let input = multibulk(Array(repeating: "ab", count: 100_000))
        var parser = RESPRequestParser()
        var buffer = ByteBuffer()
        var commands = 0
        for start in stride(from: 0, to: input.count, by: 700) {
            buffer.writeBytes(input[start..<min(start + 700, input.count)])
            if let command = try parser.next(in: &buffer) {
                #expect(command.count == 100_000)
                commands += 1
            }
        }
        #expect(commands == 1)
        #expect(parser.isIdle)
    }

    @Test func halfACommandLeavesTheParserBusy() throws {
        var parser = RESPRequestParser()
        var buffer = ByteBuffer(string: "*2\r\n$3\r\nGET\r\n$3\r\nke")
        #expect(try parser.next(in: &buffer) == nil)
        #expect(!parser.isIdle)
        buffer.writeString("y\r\n")
        #expect(try parser.next(in: &buffer).map(strings) == ["GET", "key"])
        #expect(parser.isIdle)
    }
}
