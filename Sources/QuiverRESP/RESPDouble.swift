public import NIOCore

/// Redis's text for a double, as in `,<text>\r\n` (RESP3) and in the bulk string that replaces
/// it on RESP2 (Redis's `d2string`).
///
/// The rules, verified against Redis 8.8:
///
/// - `nan` for every NaN, `inf` and `-inf`, `0` and `-0`.
/// - An integral value within ±2^62 prints as an integer: `1`, `123456792`,
///   `1000000000000000000`, never `1.0`.
/// - Anything else gets the digits of Grisu2 (shortest round-trip digits, rarely one more:
///   `1e23` prints `99999999999999990000000`), *n* digits *d* with decimal exponent *K*
///   (value = *d*·10^*K*), laid out as:
///   - *K* ≥ 0 and the decimal exponent *K*+*n*−1 < *n*+7: the digits then *K* zeros
///     (`123456789012345680000`, `1e20` is `1e+20` since 20 ≥ 1+7);
///   - *K* < 0 and (*K* > −7 or \|*K*+*n*−1\| < 4): plain decimal (`0.5`, `0.00001`,
///     `0.0012345`, `12345678.9`);
///   - otherwise scientific, `d.ddde±x` with a signed exponent without padding (`1e-7`,
///     `1.0000000116860974e-7`, `1.2345e-4`, `1e+21`, `1.7976931348623157e+308`).
///
///   So the switch to the exponent form depends on where the last digit falls, not only on the
///   magnitude: `0.000123` (K = −6) stays decimal while `0.00012345` (K = −8) becomes `1.2345e-4`.
///
/// Swift's `description` differs (`1.0`, `1e-07`, `1e+23`); use this instead.
public enum RESPDouble: Sendable {
    /// The most bytes ``write(_:to:)`` writes.
    public static let maximumLength = 32

    /// Redis's text for `value`.
    ///
    /// - Parameter value: Any double.
    /// - Returns: The text, such as `0.5`, `1e-7`, `inf`.
    public static func format(_ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumLength) { storage in
            String(decoding: UnsafeBufferPointer(rebasing: storage[..<write(value, into: storage)]), as: UTF8.self)
        }
    }

    /// Appends Redis's text for `value` to `buffer`.
    ///
    /// - Parameters:
    ///   - value: Any double.
    ///   - buffer: The destination.
    /// - Returns: The number of bytes written (at most ``maximumLength``).
    @discardableResult
    public static func write(_ value: Double, to buffer: inout ByteBuffer) -> Int {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumLength) { storage in
            let count = write(value, into: storage)
            return buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: storage[..<count])))
        }
    }

    /// Writes the text into `out` (at least ``maximumLength`` bytes); returns its length.
    static func write(_ value: Double, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        precondition(out.count >= maximumLength)
        if value.isNaN { return copy("nan", into: out) }
        if value.isInfinite { return copy(value < 0 ? "-inf" : "inf", into: out) }
        if value == 0 { return copy(value.sign == .minus ? "-0" : "0", into: out) }
        if value >= -0x1p62 && value <= 0x1p62, let integer = Int64(exactly: value) {
            return writeInteger(integer, into: out)
        }
        var length = 0
        let negative = value.sign == .minus
        if negative {
            out[0] = UInt8(ascii: "-")
            length = 1
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { digits in
            let (count, exponent) = Grisu2.digits(of: value, into: digits)
            return length
                + layOut(
                    UnsafeBufferPointer(rebasing: digits[..<count]), exponent: exponent, negative: negative,
                    into: UnsafeMutableBufferPointer(rebasing: out[length...]))
        }
    }

    /// Places `digits`·10^`exponent` as plain integer, plain decimal or scientific text.
    private static func layOut(
        _ digits: UnsafeBufferPointer<UInt8>, exponent: Int, negative: Bool, into out: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
        var count = digits.count
        var decimalExponent = abs(exponent + count - 1)
        var index = 0
        func put(_ byte: UInt8) {
            out[index] = byte
            index += 1
        }
        if exponent >= 0 && decimalExponent < count + 7 {
            for digit in digits { put(digit) }
            for _ in 0..<exponent { put(UInt8(ascii: "0")) }
            return index
        }
        if exponent < 0 && (exponent > -7 || decimalExponent < 4) {
            let integerDigits = count + exponent
            if integerDigits <= 0 {
                put(UInt8(ascii: "0"))
                put(UInt8(ascii: "."))
                for _ in 0..<(-integerDigits) { put(UInt8(ascii: "0")) }
                for digit in digits { put(digit) }
            } else {
                for digit in digits[..<integerDigits] { put(digit) }
                put(UInt8(ascii: "."))
                for digit in digits[integerDigits...] { put(digit) }
            }
            return index
        }
        // Redis's formatter caps the scientific significand at 18 characters with the sign.
        count = min(count, negative ? 17 : 18)
        put(digits[0])
        if count > 1 {
            put(UInt8(ascii: "."))
            for digit in digits[1..<count] { put(digit) }
        }
        put(UInt8(ascii: "e"))
        put(exponent + count - 1 < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        var hundreds = 0
        if decimalExponent > 99 {
            hundreds = decimalExponent / 100
            put(UInt8(ascii: "0") + UInt8(hundreds))
            decimalExponent -= hundreds * 100
        }
        if decimalExponent > 9 {
            let tens = decimalExponent / 10
            put(UInt8(ascii: "0") + UInt8(tens))
            decimalExponent -= tens * 10
        } else if hundreds != 0 {
            put(UInt8(ascii: "0"))
        }
        put(UInt8(ascii: "0") + UInt8(decimalExponent % 10))
        return index
    }

    private static func copy(_ text: StaticString, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        text.withUTF8Buffer { bytes in
            for (index, byte) in bytes.enumerated() { out[index] = byte }
            return bytes.count
        }
    }

    /// Writes `value` in decimal; returns the length (at most 20).
    static func writeInteger(_ value: Int64, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var magnitude = value.magnitude
        var reversed: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch
        return withUnsafeMutableBytes(of: &reversed) { scratch in
            var count = 0
            repeat {
                scratch[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude != 0
            var index = 0
            if value < 0 {
                out[0] = UInt8(ascii: "-")
                index = 1
            }
            while count > 0 {
                count -= 1
                out[index] = scratch[count]
                index += 1
            }
            return index
        }
    }
}
