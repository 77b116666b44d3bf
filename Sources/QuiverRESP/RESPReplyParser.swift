public import NIOCore

/// Splits a server's bytes into replies: every RESP2 and RESP3 type, for clients and tests.
///
/// A pure value, used like ``RESPRequestParser``: pass the same buffer each time, with new bytes
/// appended, and it returns one top-level reply per call (attributes together with the reply
/// they precede) or `nil` when the reply is not complete yet. Bulk payloads are slices of the
/// buffer. `$-1` reads as ``RESPValue/nullBulkString``, `*-1` as ``RESPValue/nullArray`` and `_`
/// as ``RESPValue/null``.
///
/// It is strict where Redis is regular: lines end with CRLF, payloads are followed by CRLF,
/// integers and lengths are decimal without `+`, and RESP3 streamed aggregates (`$?`, `*?`), which
/// Redis never sends, are rejected. Declared counts and lengths are never reserved up front.
public struct RESPReplyParser: Sendable {
    /// The deepest nesting accepted (an array in an array is depth 2). Default 128; deeper input
    /// throws, so a hostile server cannot build values whose teardown exhausts the stack.
    public var maximumDepth: Int = 128
    /// The longest bulk payload accepted. Default 536,870,912 (512 MiB, Redis's largest string).
    public var maximumBulkLength: Int = 536_870_912

    /// How far the pending reply has been checked: offsets from the buffer's reader index.
    private var scannedTo = 0
    /// For each open aggregate, how many elements it still needs.
    private var open: [Int] = []
    /// How far the line of the element at `scannedTo` is known to hold no CR.
    private var lineScanned = 0
    private var failure: RESPError?

    /// Creates a parser.
    public init() {}

    /// Returns the next reply in `buffer` and consumes its bytes.
    ///
    /// - Parameter buffer: The bytes received and not yet consumed; the same buffer each call.
    /// - Returns: The reply, or `nil` when more bytes are needed.
    /// - Throws: ``RESPError`` with code ``RESPError/Code/malformedReply``; later calls throw it again.
    /// - Complexity: O(*n*) in the bytes that arrived since the last call, plus O(*r*) in the
    ///   reply's size when it completes.
    public mutating func next(in buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
        if let failure { throw failure }
        do throws(RESPError) {
            // Check completeness first, resuming where the last call stopped, so a reply arriving
            // in many pieces is scanned once.
            while true {
                let element: Element
                switch try self.element(at: scannedTo, in: buffer, lineScanned: lineScanned) {
                case .incomplete(let scanned):
                    lineScanned = scanned
                    return nil
                case .complete(let complete, let end):
                    element = complete
                    scannedTo = end
                    lineScanned = 0
                }
                switch element {
                case .scalar:
                    break
                case .aggregate(_, let count):
                    if count > 0 {
                        guard open.count < maximumDepth else {
                            throw .malformedReply("nesting deeper than \(maximumDepth)")
                        }
                        open.append(count)
                        continue
                    }
                }
                while let last = open.popLast() {
                    if last > 1 {
                        open.append(last - 1)
                        break
                    }
                }
                if open.isEmpty { break }
            }
            let value = try build(buffer)
            buffer.moveReaderIndex(forwardBy: scannedTo)
            scannedTo = 0
            return value
        } catch {
            failure = error
            throw error
        }
    }

    private enum AggregateType {
        case array, set, push, map, attribute
    }

    private enum Element {
        case scalar(RESPValue)
        /// An aggregate header and the number of elements that follow it (2*n* for a map,
        /// 2*n* + 1 for attributes, which are followed by their reply).
        case aggregate(AggregateType, Int)
    }

    private enum Step {
        /// The element and the offset after it.
        case complete(Element, Int)
        /// More bytes are needed; the element's first line holds no CR in this many bytes.
        case incomplete(lineScanned: Int)
    }

    /// Reads one element (a scalar, or an aggregate's header) at `offset`, skipping the first
    /// `lineScanned` bytes of its line in the search for CR.
    private func element(at offset: Int, in buffer: ByteBuffer, lineScanned: Int) throws(RESPError) -> Step {
        guard let type = buffer.getInteger(at: buffer.readerIndex + offset, as: UInt8.self) else {
            return .incomplete(lineScanned: 0)
        }
        let lineEnd: Int
        switch try self.lineEnd(from: offset + 1, skipping: lineScanned, in: buffer) {
        case .found(let at): lineEnd = at
        case .notFound(let scanned), .nul(let scanned): return .incomplete(lineScanned: scanned)
        }
        let next = lineEnd + 2
        func text() -> String {
            String(
                decoding: buffer.readableBytesView[(buffer.readerIndex + offset + 1)..<(buffer.readerIndex + lineEnd)],
                as: UTF8.self)
        }
        func integer() throws(RESPError) -> Int64 {
            guard let value = buffer.strictInteger(from: offset + 1, to: lineEnd) else {
                throw .malformedReply("bad integer after '\(Character(UnicodeScalar(type)))'")
            }
            return value
        }
        func count(_ multiplier: Int, plus extra: Int = 0) throws(RESPError) -> Int {
            let value = try integer()
            guard value >= 0, value <= Int32.max else { throw .malformedReply("bad aggregate count") }
            return Int(value) * multiplier + extra
        }
        switch type {
        case UInt8(ascii: "+"):
            return .complete(.scalar(.simpleString(text())), next)
        case UInt8(ascii: "-"):
            return .complete(.scalar(.simpleError(text())), next)
        case UInt8(ascii: ":"):
            return .complete(.scalar(.integer(try integer())), next)
        case UInt8(ascii: "_"):
            guard lineEnd == offset + 1 else { throw .malformedReply("bytes after '_'") }
            return .complete(.scalar(.null), next)
        case UInt8(ascii: "#"):
            switch buffer.getBytes(at: buffer.readerIndex + offset + 1, length: lineEnd - offset - 1) {
            case [UInt8(ascii: "t")]: return .complete(.scalar(.boolean(true)), next)
            case [UInt8(ascii: "f")]: return .complete(.scalar(.boolean(false)), next)
            default: throw .malformedReply("bad boolean")
            }
        case UInt8(ascii: ","):
            guard let number = Self.parseDouble(text()) else { throw .malformedReply("bad double") }
            return .complete(.scalar(.double(number)), next)
        case UInt8(ascii: "("):
            let digits = text()
            guard Self.isBigNumber(digits) else { throw .malformedReply("bad big number") }
            return .complete(.scalar(.bigNumber(digits)), next)
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            let length = try integer()
            if length == -1 && type == UInt8(ascii: "$") { return .complete(.scalar(.nullBulkString), next) }
            guard length >= 0, length <= maximumBulkLength else { throw .malformedReply("bad bulk length") }
            let payloadLength = Int(length)
            guard buffer.readableBytes - next - 2 >= payloadLength else {
                return .incomplete(lineScanned: lineEnd - offset - 1)
            }
            let crlf = buffer.getBytes(at: buffer.readerIndex + next + payloadLength, length: 2)
            guard crlf == [UInt8(ascii: "\r"), UInt8(ascii: "\n")] else {
                throw .malformedReply("payload not followed by CRLF")
            }
            let payload = buffer.getSlice(at: buffer.readerIndex + next, length: payloadLength)!
            let end = next + payloadLength + 2
            switch type {
            case UInt8(ascii: "$"): return .complete(.scalar(.bulkString(payload)), end)
            case UInt8(ascii: "!"): return .complete(.scalar(.bulkError(payload)), end)
            default:
                guard payloadLength >= 4,
                    payload.getInteger(at: payload.readerIndex + 3, as: UInt8.self) == UInt8(ascii: ":")
                else {
                    throw .malformedReply("verbatim string without a format")
                }
                let format = String(decoding: payload.readableBytesView.prefix(3), as: UTF8.self)
                return .complete(
                    .scalar(
                        .verbatimString(
                            format: format,
                            text: payload.getSlice(at: payload.readerIndex + 4, length: payloadLength - 4)!)), end)
            }
        case UInt8(ascii: "*"):
            if try integer() == -1 { return .complete(.scalar(.nullArray), next) }
            return .complete(.aggregate(.array, try count(1)), next)
        case UInt8(ascii: "~"):
            return .complete(.aggregate(.set, try count(1)), next)
        case UInt8(ascii: ">"):
            return .complete(.aggregate(.push, try count(1)), next)
        case UInt8(ascii: "%"):
            return .complete(.aggregate(.map, try count(2)), next)
        case UInt8(ascii: "|"):
            return .complete(.aggregate(.attribute, try count(2, plus: 1)), next)
        default:
            throw .malformedReply("unknown type byte \(type)")
        }
    }

    /// Finds the CRLF of the line starting at `offset`; `.found` gives the CR's offset, the other
    /// cases how many bytes of the line hold no CR.
    private func lineEnd(from offset: Int, skipping scanned: Int, in buffer: ByteBuffer) throws(RESPError) -> LineScan {
        // Replies are short lines; a line without CRLF within 64 KiB is not RESP.
        let limit = offset + 65_536
        switch buffer.scan(for: UInt8(ascii: "\r"), from: offset + scanned, limit: limit, stopAtNUL: false) {
        case .found(let at):
            guard let lf = buffer.getInteger(at: buffer.readerIndex + at + 1, as: UInt8.self) else {
                return .notFound(at - offset)
            }
            guard lf == UInt8(ascii: "\n") else { throw .malformedReply("CR not followed by LF") }
            return .found(at)
        case .notFound(let scannedTo), .nul(let scannedTo):
            if scannedTo >= limit { throw .malformedReply("line longer than 64 KiB") }
            return .notFound(scannedTo - offset)
        }
    }

    /// Builds the complete reply at the reader index (already checked by the scan).
    private func build(_ buffer: ByteBuffer) throws(RESPError) -> RESPValue {
        var frames: [(type: AggregateType, remaining: Int, elements: [RESPValue])] = []
        var offset = 0
        while true {
            guard case .complete(let element, let end) = try self.element(at: offset, in: buffer, lineScanned: 0) else {
                preconditionFailure("a scanned reply became incomplete")
            }
            offset = end
            var value: RESPValue
            switch element {
            case .scalar(let scalar):
                value = scalar
            case .aggregate(let type, let count):
                if count > 0 {
                    var elements: [RESPValue] = []
                    elements.reserveCapacity(min(count, 1024))
                    frames.append((type, count, elements))
                    continue
                }
                value = Self.assemble(type, [])
            }
            while true {
                guard var frame = frames.popLast() else { return value }
                frame.elements.append(value)
                frame.remaining -= 1
                if frame.remaining > 0 {
                    frames.append(frame)
                    break
                }
                value = Self.assemble(frame.type, frame.elements)
            }
        }
    }

    private static func assemble(_ type: AggregateType, _ elements: [RESPValue]) -> RESPValue {
        func pairs(_ flat: ArraySlice<RESPValue>) -> [(key: RESPValue, value: RESPValue)] {
            stride(from: flat.startIndex, to: flat.endIndex, by: 2).map { (key: flat[$0], value: flat[$0 + 1]) }
        }
        switch type {
        case .array: return .array(elements)
        case .set: return .set(elements)
        case .push: return .push(elements)
        case .map: return .map(pairs(elements[...]))
        case .attribute: return .attribute(pairs(elements.dropLast()), elements[elements.count - 1])
        }
    }

    /// Parses a RESP3 double: Redis's `inf`, `-inf`, `nan`, or a decimal with optional exponent.
    static func parseDouble(_ text: String) -> Double? {
        switch text {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "-nan": return .nan
        default:
            guard let first = text.utf8.first,
                first == UInt8(ascii: "-") || first == UInt8(ascii: ".")
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
                text.utf8.allSatisfy({
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".")
                        || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "+")
                        || $0 == UInt8(ascii: "-")
                })
            else { return nil }
            return Double(text)
        }
    }

    private static func isBigNumber(_ text: String) -> Bool {
        let digits = text.utf8.first == UInt8(ascii: "-") ? text.utf8.dropFirst() : text.utf8[...]
        return !digits.isEmpty && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
