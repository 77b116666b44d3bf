/// Memory for selector values that cannot point into the attribute bytes (strings with
/// escapes, arrays), freed when one evaluation ends. Allocates nothing until first used.
struct FilterScratch: ~Copyable {
    private var allocations: [UnsafeMutableRawPointer] = []

    mutating func store(_ bytes: [UInt8]) -> UnsafeRawPointer {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        bytes.withUnsafeBytes {
            memory.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(memory), byteCount: $0.count)
        }
        allocations.append(memory)
        return UnsafeRawPointer(memory)
    }

    mutating func store(_ elements: [FilterValue]) -> UnsafePointer<FilterValue> {
        let memory = UnsafeMutablePointer<FilterValue>.allocate(capacity: max(elements.count, 1))
        _ = UnsafeMutableBufferPointer(start: memory, count: elements.count).initialize(from: elements)
        allocations.append(UnsafeMutableRawPointer(memory))
        return UnsafePointer(memory)
    }

    deinit {
        for memory in allocations { memory.deallocate() }
    }
}

extension JSONScanner {
    /// The JSON value at `start` as a FILTER value, and where it ends; `nil` when it is
    /// malformed or unsupported.
    ///
    /// Numbers stay numbers, `true`/`false` become 1/0, `null` is null, strings are unescaped
    /// (pointing into the attribute bytes when they hold no escape), and arrays become tuples,
    /// nested arrays included (as Redis does); an object anywhere is unsupported.
    func filterValue(from start: Int, depth: Int, scratch: inout FilterScratch) -> (FilterValue, Int)? {
        guard let c = byte(at: start) else { return nil }
        switch c {
        case UInt8(ascii: "\""):
            guard let (end, hasEscapes) = try? scanString(from: start) else { return nil }
            if !hasEscapes {
                return (.string(UnsafeRawPointer(bytes.baseAddress! + start + 1), count: end - start - 2), end)
            }
            var decoded: [UInt8] = []
            decodeString(from: start, to: end, into: &decoded)
            return (.string(scratch.store(decoded), count: decoded.count), end)
        case UInt8(ascii: "t"):
            guard let end = try? scanLiteral("true", from: start) else { return nil }
            return (.number(1), end)
        case UInt8(ascii: "f"):
            guard let end = try? scanLiteral("false", from: start) else { return nil }
            return (.number(0), end)
        case UInt8(ascii: "n"):
            guard let end = try? scanLiteral("null", from: start) else { return nil }
            return (.null, end)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard let end = try? scanNumber(from: start), let value = try? numberValue(from: start, to: end) else {
                return nil
            }
            return (.number(value), end)
        case UInt8(ascii: "["):
            guard depth < JSONValue.maximumDepth else { return nil }
            var elements: [FilterValue] = []
            var i = skipWhitespace(from: start + 1)
            if byte(at: i) != UInt8(ascii: "]") {
                while true {
                    guard let (element, end) = filterValue(from: i, depth: depth + 1, scratch: &scratch),
                        let next = try? afterElement(from: end, closer: UInt8(ascii: "]"))
                    else { return nil }
                    elements.append(element)
                    i = next
                    if bytes[i - 1] == UInt8(ascii: "]") { break }
                }
            } else {
                i += 1
            }
            return (.tuple(scratch.store(elements), count: elements.count), i)
        default:
            return nil
        }
    }
}
