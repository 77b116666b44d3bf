/// Florian Loitsch's Grisu2 ("Printing Floating-Point Numbers Quickly and Accurately", PLDI
/// 2010): the decimal digits Redis's `fpconv_dtoa` prints for a double.
///
/// Grisu2 always yields digits that read back as the same double, and nearly always the
/// shortest such digits; in rare cases it yields one more digit or a neighbour of the closest
/// string (1e23 prints as `99999999999999990000000`). Matching Redis byte for byte means
/// matching those cases too, so this follows the same steps and conservative boundaries:
/// boundaries narrowed by one unit each after scaling, digits generated from the upper
/// boundary, then the last digit walked towards the exact value.
enum Grisu2 {
    /// A significand and binary exponent: the value f·2^e.
    private struct DiyFp {
        var f: UInt64
        var e: Int
    }

    private static let hiddenBit: UInt64 = 1 << 52
    private static let fractionMask: UInt64 = hiddenBit - 1

    /// Writes the digits of `value` (finite, non-zero; its sign is ignored) into `digits`.
    ///
    /// - Parameters:
    ///   - value: The double.
    ///   - digits: At least 20 bytes; receives ASCII digits.
    /// - Returns: The digit count *n* and decimal exponent *K*: |value| ≈ digits·10^K.
    static func digits(of value: Double, into digits: UnsafeMutableBufferPointer<UInt8>) -> (count: Int, exponent: Int)
    {
        let bits = value.bitPattern
        let biased = Int((bits >> 52) & 0x7FF)
        let fraction = bits & fractionMask
        let w =
            biased != 0 ? DiyFp(f: fraction + hiddenBit, e: biased - 1075) : DiyFp(f: fraction, e: -1074)

        // Boundaries halfway to the neighbours, both with the exponent of the normalised upper one.
        var upper = DiyFp(f: (w.f << 1) + 1, e: w.e - 1)
        while upper.f & (hiddenBit << 1) == 0 {
            upper.f <<= 1
            upper.e -= 1
        }
        upper.f <<= 10
        upper.e -= 10
        let lowerShift = w.f == hiddenBit ? 2 : 1
        var lower = DiyFp(f: (w.f << lowerShift) - 1, e: w.e - lowerShift)
        lower.f <<= lower.e - upper.e
        lower.e = upper.e

        var normalized = w
        while normalized.f & hiddenBit == 0 {
            normalized.f <<= 1
            normalized.e -= 1
        }
        normalized.f <<= 11
        normalized.e -= 11

        let (power, k) = cachedPower(forExponent: upper.e)
        let scaled = multiply(normalized, power)
        var scaledUpper = multiply(upper, power)
        var scaledLower = multiply(lower, power)
        scaledLower.f &+= 1
        scaledUpper.f &-= 1
        var exponent = -k
        let count = generate(
            scaled, upper: scaledUpper, lower: scaledLower, into: digits, exponent: &exponent)
        return (count, exponent)
    }

    /// The cached power c = 10^k·2^q such that the product with a significand of binary exponent
    /// `exponent` has an exponent in -60...-32.
    private static func cachedPower(forExponent exponent: Int) -> (DiyFp, Int) {
        let oneOverLog2Of10 = 0.30102999566398114
        // The same first guess and walk as every Grisu implementation (C truncating conversions),
        // so that when two entries qualify the same one is chosen.
        let approximation = Int(Double(-(exponent + 87)) * oneOverLog2Of10)
        var index = (approximation - firstCachedPower) / cachedPowerStep
        while true {
            guard cachedPowers.indices.contains(index) else {
                index = min(max(index, 0), cachedPowers.count - 1)
                break
            }
            let current = exponent + cachedPowers[index].exponent + 64
            if current < -60 {
                index += 1
            } else if current > -32 {
                index -= 1
            } else {
                break
            }
        }
        let entry = cachedPowers[index]
        return (DiyFp(f: entry.significand, e: entry.exponent), firstCachedPower + index * cachedPowerStep)
    }

    /// The product's upper 64 bits, rounded half up.
    private static func multiply(_ a: DiyFp, _ b: DiyFp) -> DiyFp {
        let product = a.f.multipliedFullWidth(by: b.f)
        return DiyFp(f: product.high &+ (product.low >> 63), e: a.e + b.e + 64)
    }

    private static let powersOf10: [UInt64] = [
        1_000_000_000, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1,
    ]

    /// Generates the digits of `upper` until they lie within `upper - lower`, then rounds the last
    /// digit towards `w`. Arithmetic wraps as the unsigned C original does.
    private static func generate(
        _ w: DiyFp, upper: DiyFp, lower: DiyFp, into digits: UnsafeMutableBufferPointer<UInt8>,
        exponent: inout Int
    ) -> Int {
        let distance = upper.f &- w.f
        var delta = upper.f &- lower.f
        let shift = UInt64(-upper.e)
        let one: UInt64 = 1 << shift
        var integral = upper.f >> shift
        var fraction = upper.f & (one &- 1)
        var count = 0
        var kappa = 10

        func append(_ digit: UInt64) {
            if (digit != 0 || count != 0) && count < digits.count {
                digits[count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: digit)
                count += 1
            }
        }

        for divisor in powersOf10 {
            let digit = integral / divisor
            append(digit)
            integral &-= digit &* divisor
            kappa -= 1
            let rest = (integral << shift) &+ fraction
            if rest <= delta {
                exponent += kappa
                roundLastDigit(
                    digits, count: count, delta: delta, rest: rest, tenKappa: divisor << shift, distance: distance)
                return count
            }
        }
        var unit: UInt64 = 10
        while true {
            fraction &*= 10
            delta &*= 10
            kappa -= 1
            append(fraction >> shift)
            fraction &= one &- 1
            if fraction < delta {
                exponent += kappa
                roundLastDigit(
                    digits, count: count, delta: delta, rest: fraction, tenKappa: one, distance: distance &* unit)
                return count
            }
            unit &*= 10
        }
    }

    /// Lowers the last digit while that brings the number closer to the exact value and keeps it
    /// inside the boundaries (Loitsch's "weeding" for Grisu2).
    private static func roundLastDigit(
        _ digits: UnsafeMutableBufferPointer<UInt8>, count: Int, delta: UInt64, rest: UInt64, tenKappa: UInt64,
        distance: UInt64
    ) {
        guard count > 0 else { return }
        var rest = rest
        while rest < distance && delta &- rest >= tenKappa
            && (rest &+ tenKappa < distance || distance &- rest > rest &+ tenKappa &- distance)
        {
            digits[count - 1] &-= 1
            rest &+= tenKappa
        }
    }
}
