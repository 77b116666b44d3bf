/// How Swift numbers become JSON numbers and back: the rules ``JSONValueEncoder`` and
/// ``JSONValueDecoder`` share.
///
/// A JSON number here is a `Double`, so an integer survives the trip only while a `Double` holds
/// it and every neighbour exactly: up to 2^53 − 1 in magnitude (JavaScript's
/// `Number.MAX_SAFE_INTEGER`). Beyond that, distinct texts parse to one `Double` (both
/// `9007199254740993` and `9007199254740992` read as 2^53), so both directions refuse such
/// integers rather than change them silently.
enum JSONNumberConversion {
    /// 2^53 − 1.
    static let maximumExactInteger: UInt64 = (1 << 53) - 1

    /// The JSON number for an integer, or `nil` when its magnitude exceeds
    /// ``maximumExactInteger``.
    @inline(__always)
    static func number<I: FixedWidthInteger>(_ value: I) -> Double? {
        if I.bitWidth <= 53 || value.magnitude <= maximumExactInteger { return Double(value) }
        return nil
    }

    /// The JSON number for a `Float`: the `Double` nearest the float's shortest decimal text, so
    /// `Float(0.1)` is written `0.1` (as Foundation writes it), not `0.10000000149011612`.
    /// Falls back to the exact widening in the (theoretical) case where reading that text as a
    /// `Double` and rounding to `Float` would not give the same float back.
    static func number(_ value: Float) -> Double {
        if let shortest = Double(value.description), Float(shortest) == value { return shortest }
        return Double(value)
    }

    /// The integer a JSON number holds, or why it cannot be an `I`.
    static func integer<I: FixedWidthInteger>(_ number: Double, as type: I.Type) -> Result<I, Failure> {
        guard let value = I(exactly: number) else {
            return .failure(number.isFinite && number.rounded(.towardZero) == number ? .outOfRange : .notAnInteger)
        }
        if I.bitWidth > 53 && value.magnitude > maximumExactInteger { return .failure(.beyondExactRange) }
        return .success(value)
    }

    /// A JSON number as a `Float`, rounded to the nearest float; `nil` when a finite number
    /// rounds to infinity or a non-zero one to zero (it is beyond `Float`'s range either way;
    /// Foundation's decoder refuses both too).
    static func float(_ number: Double) -> Float? {
        let float = Float(number)
        if float.isInfinite && number.isFinite { return nil }
        if float == 0 && number != 0 { return nil }
        return float
    }

    enum Failure: Error {
        case notAnInteger, outOfRange, beyondExactRange

        func message(for type: Any.Type) -> String {
            switch self {
            case .notAnInteger: "Expected to decode \(type) but found a number that is not an integer."
            case .outOfRange: "The number does not fit in \(type)."
            case .beyondExactRange:
                "The number exceeds 2^53 - 1 in magnitude, beyond which JSON numbers (doubles) do not hold "
                    + "integers exactly; store such \(type) values as strings."
            }
        }
    }
}
