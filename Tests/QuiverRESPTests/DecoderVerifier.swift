import NIOCore
import Testing

@testable import QuiverRESP

/// A parser the verifier can drive: ``RESPRequestParser`` and ``RESPReplyParser``.
protocol IncrementalParser {
    associatedtype Output: Equatable
    mutating func next(in buffer: inout ByteBuffer) throws(RESPError) -> Output?
}

extension RESPRequestParser: IncrementalParser {}
extension RESPReplyParser: IncrementalParser {}

/// ``RESPRequestParser/next(in:into:)`` driven like `next(in:)`, keeping one arguments array.
struct ReusingRequestParser: IncrementalParser {
    var parser: RESPRequestParser
    var arguments: [[UInt8]] = []

    mutating func next(in buffer: inout ByteBuffer) throws(RESPError) -> [[UInt8]]? {
        try parser.next(in: &buffer, into: &arguments) ? arguments : nil
    }
}

/// What a parser made of some input: the outputs in order, then the error that stopped it, if any.
struct ParseTranscript<Output: Equatable>: Equatable {
    var outputs: [Output] = []
    var error: RESPError?
    /// Bytes still unconsumed at the end.
    var leftover: Int = 0
}

/// Feeds input to a parser whole, byte by byte and split in two at every position (a sample of
/// positions for long inputs), and checks that every feeding gives the same transcript
/// (the NIO `ByteToMessageDecoderVerifier` idea, for a pure parser).
enum DecoderVerifier {
    /// Runs `make()` over `chunks`, appending each chunk to one buffer and draining the parser.
    static func transcript<P: IncrementalParser>(
        _ make: () -> P, chunks: [ArraySlice<UInt8>]
    ) -> ParseTranscript<P.Output> {
        var parser = make()
        var buffer = ByteBuffer()
        var result = ParseTranscript<P.Output>()
        feeding: for chunk in chunks {
            buffer.writeBytes(chunk)
            while true {
                do {
                    guard let output = try parser.next(in: &buffer) else { break }
                    result.outputs.append(output)
                } catch {
                    result.error = error
                    break feeding
                }
            }
        }
        result.leftover = buffer.readableBytes
        return result
    }

    /// The transcript of `input`, after checking that every way of splitting it agrees.
    @discardableResult
    static func verify<P: IncrementalParser>(
        _ input: [UInt8], maximumSplits: Int = 2048, sourceLocation: SourceLocation = #_sourceLocation,
        _ make: () -> P
    ) -> ParseTranscript<P.Output> {
        let whole = transcript(make, chunks: [input[...]])
        let bytewise = transcript(make, chunks: input.indices.map { input[$0...$0] })
        #expect(bytewise.outputs == whole.outputs, "byte by byte", sourceLocation: sourceLocation)
        #expect(bytewise.error == whole.error, "byte by byte", sourceLocation: sourceLocation)
        let step = max(1, input.count / maximumSplits)
        for split in stride(from: 1, to: input.count, by: step) {
            let pieces = transcript(make, chunks: [input[..<split], input[split...]])
            #expect(pieces.outputs == whole.outputs, "split at \(split)", sourceLocation: sourceLocation)
            #expect(pieces.error == whole.error, "split at \(split)", sourceLocation: sourceLocation)
            if pieces.outputs != whole.outputs || pieces.error != whole.error { break }
        }
        return whole
    }

    /// Verifies `input` through a request parser with `limits`.
    @discardableResult
    static func requests(
        _ input: [UInt8], limits: RESPRequestLimits = .redisDefaults, maximumSplits: Int = 2048,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ParseTranscript<[ByteBuffer]> {
        let sliced = verify(input, maximumSplits: maximumSplits, sourceLocation: sourceLocation) {
            RESPRequestParser(limits: limits)
        }
        // The copying form must give the same commands and error, however the input is split.
        let copied = verify(input, maximumSplits: maximumSplits, sourceLocation: sourceLocation) {
            ReusingRequestParser(parser: RESPRequestParser(limits: limits))
        }
        #expect(copied.outputs == sliced.outputs.map { $0.map { Array($0.readableBytesView) } }, sourceLocation: sourceLocation)
        #expect(copied.error == sliced.error, sourceLocation: sourceLocation)
        #expect(copied.leftover == sliced.leftover, sourceLocation: sourceLocation)
        return sliced
    }

    /// Verifies `input` through a reply parser.
    @discardableResult
    static func replies(
        _ input: [UInt8], maximumSplits: Int = 2048, sourceLocation: SourceLocation = #_sourceLocation
    ) -> ParseTranscript<RESPValue> {
        verify(input, maximumSplits: maximumSplits, sourceLocation: sourceLocation) { RESPReplyParser() }
    }
}

/// The UTF-8 bytes of `text`.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Arguments as strings, for readable expectations.
func strings(_ command: [ByteBuffer]) -> [String] {
    command.map { String(buffer: $0) }
}

/// A multibulk request for `arguments`.
func multibulk(_ arguments: [String]) -> [UInt8] {
    var bytes = Array("*\(arguments.count)\r\n".utf8)
    for argument in arguments { bytes += Array("$\(argument.utf8.count)\r\n\(argument)\r\n".utf8) }
    return bytes
}
