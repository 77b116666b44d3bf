#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A value while a FILTER program runs: a number, a string, null or a tuple.
///
/// Plain data, so the evaluator's stack costs no reference counting: strings and tuples point
/// at bytes and elements owned by someone else for the duration of one evaluation (the
/// program's literal storage, the attribute bytes, or a per-call scratch area).
struct FilterValue {
    enum Kind: UInt8 { case number, string, null, tuple }

    var kind: Kind
    /// The number; for a string literal, its number coercion, computed once at compile time.
    var number: Double
    /// String bytes (`UInt8`) or tuple elements (`FilterValue`).
    var pointer: UnsafeRawPointer?
    /// Bytes in the string or elements in the tuple.
    var count: Int
    /// Whether ``number`` already holds a string's coercion.
    var numberKnown: Bool

    static var null: FilterValue { FilterValue(kind: .null, number: 0, pointer: nil, count: 0, numberKnown: true) }

    @inline(__always)
    static func number(_ value: Double) -> FilterValue {
        FilterValue(kind: .number, number: value, pointer: nil, count: 0, numberKnown: true)
    }

    @inline(__always)
    static func string(_ bytes: UnsafeRawPointer?, count: Int) -> FilterValue {
        FilterValue(kind: .string, number: 0, pointer: bytes, count: count, numberKnown: false)
    }

    static func tuple(_ elements: UnsafePointer<FilterValue>?, count: Int) -> FilterValue {
        FilterValue(
            kind: .tuple, number: 0, pointer: elements.map(UnsafeRawPointer.init), count: count, numberKnown: true)
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: pointer, count: count) }

    var elements: UnsafeBufferPointer<FilterValue> {
        UnsafeBufferPointer(start: pointer?.assumingMemoryBound(to: FilterValue.self), count: count)
    }

    // MARK: Coercions (Redis's exprTokenToNum / exprTokenToBool)

    /// The value as a number: a number is itself; a string is what `strtod` reads when it
    /// reads the whole string (leading whitespace, hex, `inf` and `nan` included), else 0, and
    /// 0 when 256 bytes or longer; null and tuples are 0.
    @inline(__always)
    var asNumber: Double {
        if kind == .number || numberKnown { return number }
        return kind == .string ? Self.stringToNumber(bytes) : 0
    }

    static func stringToNumber(_ bytes: UnsafeRawBufferPointer) -> Double {
        guard bytes.count < 256 else { return 0 }
        // strtod skips leading whitespace and stops at a NUL, which then counts as the end.
        var start = 0
        while start < bytes.count, FilterLexer.isSpace(bytes[start]) { start += 1 }
        let end = bytes[start...].firstIndex(of: 0) ?? bytes.count
        guard start < end else { return 0 }
        let text = bytes.bindMemory(to: UInt8.self)  // plain bytes; binding UInt8 is always valid
        return JSONScanner.parseDouble(text, from: start, to: end) ?? 0
    }

    /// Truthiness: a number when not 0 (NaN is true), a string when not empty, never null,
    /// always a tuple.
    @inline(__always)
    var isTrue: Bool {
        switch kind {
        case .number: number != 0
        case .string: count != 0
        case .null: false
        case .tuple: true
        }
    }

    // MARK: Operators

    /// `==`: strings byte for byte, numbers numerically, null only equal to null, anything
    /// else after coercing both sides to numbers (`"42" == 42`, `"hello" == 0`).
    static func equal(_ a: FilterValue, _ b: FilterValue) -> Bool {
        if a.kind == .string && b.kind == .string {
            return a.count == b.count && (a.count == 0 || memcmp(a.pointer!, b.pointer!, a.count) == 0)
        }
        if a.kind == .number && b.kind == .number { return a.number == b.number }
        if a.kind == .null || b.kind == .null { return a.kind == b.kind }
        return a.asNumber == b.asNumber
    }

    /// `in`: membership (by ``equal(_:_:)``) when `b` is a tuple, substring when both are
    /// strings, otherwise false.
    static func contained(_ a: FilterValue, in b: FilterValue) -> Bool {
        if b.kind == .tuple {
            for element in b.elements where equal(a, element) { return true }
            return false
        }
        guard a.kind == .string && b.kind == .string else { return false }
        let needle = a.bytes
        let haystack = b.bytes
        if needle.count > haystack.count { return false }
        if needle.isEmpty { return true }
        let first = needle[0]
        for i in 0...(haystack.count - needle.count) where haystack[i] == first {
            if memcmp(haystack.baseAddress! + i, needle.baseAddress!, needle.count) == 0 { return true }
        }
        return false
    }

    /// Applies a binary operator; every result is a number (comparisons give 1 or 0).
    @inline(__always)
    static func apply(_ op: FilterOperator, _ a: FilterValue, _ b: FilterValue) -> Double {
        switch op {
        case .power: pow(a.asNumber, b.asNumber)
        case .multiply: a.asNumber * b.asNumber
        case .divide: a.asNumber / b.asNumber
        case .modulo: fmod(a.asNumber, b.asNumber)
        case .add: a.asNumber + b.asNumber
        case .subtract: a.asNumber - b.asNumber
        case .greater: a.asNumber > b.asNumber ? 1 : 0
        case .greaterOrEqual: a.asNumber >= b.asNumber ? 1 : 0
        case .less: a.asNumber < b.asNumber ? 1 : 0
        case .lessOrEqual: a.asNumber <= b.asNumber ? 1 : 0
        case .equal: equal(a, b) ? 1 : 0
        case .notEqual: equal(a, b) ? 0 : 1
        case .in: contained(a, in: b) ? 1 : 0
        case .and: a.isTrue && b.isTrue ? 1 : 0
        case .or: a.isTrue || b.isTrue ? 1 : 0
        case .openParenthesis, .closeParenthesis, .not: preconditionFailure("not a binary operator")
        }
    }
}
