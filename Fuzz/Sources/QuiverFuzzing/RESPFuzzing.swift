internal import NIOCore
internal import QuiverRESP

/// Feeds `data` to the RESP request parser and reply parser whole, byte by byte and split in
/// two, and checks that every feeding gives the same commands, replies and error; traps only if
/// a parser does or if they disagree.
///
/// The request parser runs with Redis's limits and, chosen by the input's length, with either the
/// pre-`AUTH` limits or tiny limits (so short inputs reach every limit check; running both costs
/// a third of the executions per second). Besides agreement it checks the round trips the
/// codec promises: each command re-encoded as a multibulk request parses back to the same
/// arguments, each reply re-encoded for RESP2 and RESP3 parses back to its normalized form, and
/// the first eight bytes as a double format to text that reads back as the same double.
public func fuzzRESP(_ data: UnsafeRawBufferPointer) {
    let bytes = Array(data)
    var tiny = RESPRequestLimits()
    tiny.maxInlineRequestLength = 48
    tiny.maxLengthLineLength = 6
    tiny.maxMultibulkCount = 12
    tiny.maxBulkLength = 300
    let commands = agree(bytes) { RESPRequestParser(limits: .redisDefaults) }
    checkRequestRoundTrip(commands.outputs)
    let copied = agree(bytes) { CopyingRequestParser(parser: RESPRequestParser(limits: .redisDefaults)) }
    precondition(
        copied.outputs == commands.outputs.map { $0.map { Array($0.readableBytesView) } } && copied.error == commands.error
            && copied.leftover == commands.leftover,
        "next(in:into:) disagrees with next(in:)")
    let alternative = bytes.count.isMultiple(of: 2) ? tiny : .redisUnauthenticated
    _ = agree(bytes) { RESPRequestParser(limits: alternative) }
    let replies = agree(bytes) { RESPReplyParser() }
    checkReplyRoundTrip(replies.outputs)
    checkDouble(bytes)
    _ = RESPRequestParser.splitInlineArguments(bytes)
}

/// What a parser made of the input.
private struct Transcript<Output: Equatable>: Equatable {
    var outputs: [Output] = []
    var error: RESPError?
    var leftover = 0
}

private protocol FuzzedParser {
    associatedtype Output: Equatable
    mutating func next(in buffer: inout ByteBuffer) throws(RESPError) -> Output?
}

extension RESPRequestParser: FuzzedParser {}

/// The request parser's form that copies into reused arrays, as quiverd's connections run it.
private struct CopyingRequestParser: FuzzedParser {
    var parser: RESPRequestParser
    var arguments: [[UInt8]] = []

    mutating func next(in buffer: inout ByteBuffer) throws(RESPError) -> [[UInt8]]? {
        try parser.next(in: &buffer, into: &arguments) ? arguments : nil
    }
}
extension RESPReplyParser: FuzzedParser {}

private func run<P: FuzzedParser>(_ make: () -> P, _ chunks: [ArraySlice<UInt8>]) -> Transcript<P.Output> {
    var parser = make()
    var buffer = ByteBuffer()
    var transcript = Transcript<P.Output>()
    for chunk in chunks {
        buffer.writeBytes(chunk)
        do {
            while let output = try parser.next(in: &buffer) { transcript.outputs.append(output) }
        } catch {
            transcript.error = error
            return transcript
        }
    }
    transcript.leftover = buffer.readableBytes
    return transcript
}

/// One-shot, byte-by-byte and a split chosen from the input must agree.
private func agree<P: FuzzedParser>(_ bytes: [UInt8], _ make: () -> P) -> Transcript<P.Output> {
    let whole = run(make, [bytes[...]])
    let bytewise = run(make, bytes.indices.map { bytes[$0...$0] })
    precondition(bytewise == whole, "byte-by-byte feeding disagrees with one-shot feeding")
    if bytes.count > 1 {
        let split = 1 + Int(bytes[bytes.count / 2]) % (bytes.count - 1)
        precondition(run(make, [bytes[..<split], bytes[split...]]) == whole, "a split feeding disagrees")
    }
    return whole
}

private func checkRequestRoundTrip(_ commands: [[ByteBuffer]]) {
    var encoded = ByteBuffer()
    for command in commands {
        precondition(!command.isEmpty, "an empty command was returned")
        encoded.writeRESPValue(.array(command.map { .bulkString($0) }), protocolVersion: .resp2)
    }
    var parser = RESPRequestParser()
    var parsed: [[ByteBuffer]] = []
    do {
        while let command = try parser.next(in: &encoded) { parsed.append(command) }
    } catch {
        preconditionFailure("a re-encoded command failed to parse: \(error)")
    }
    precondition(parsed == commands && encoded.readableBytes == 0, "re-encoded commands differ")
}

private func checkReplyRoundTrip(_ replies: [RESPValue]) {
    for version in RESPProtocolVersion.allCases {
        var encoded = ByteBuffer()
        for reply in replies { encoded.writeRESPValue(reply, protocolVersion: version) }
        var parser = RESPReplyParser()
        var parsed: [RESPValue] = []
        do {
            while let reply = try parser.next(in: &encoded) { parsed.append(reply) }
        } catch {
            preconditionFailure("a re-encoded reply failed to parse: \(error)")
        }
        precondition(parsed == replies.map { $0.normalized(for: version) }, "re-encoded replies differ")
        precondition(encoded.readableBytes == 0, "bytes left after re-encoded replies")
    }
}

private func checkDouble(_ bytes: [UInt8]) {
    guard bytes.count >= 8 else { return }
    var bits: UInt64 = 0
    for byte in bytes.prefix(8) { bits = bits << 8 | UInt64(byte) }
    let value = Double(bitPattern: bits)
    let text = RESPDouble.format(value)
    precondition(text.utf8.count <= RESPDouble.maximumLength)
    if value.isNaN {
        precondition(text == "nan")
    } else if value.isFinite {
        precondition(Double(text)?.bitPattern == value.bitPattern, "\(text) does not read back")
    }
}
