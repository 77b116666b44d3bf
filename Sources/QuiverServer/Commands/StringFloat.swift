#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The numbers of `INCRBYFLOAT`: Redis reads them with `strtold` and writes them with
/// `%.17Lf` trimmed (its `LD_STR_HUMAN` mode), in the C `long double`, which on x86-64 is the
/// 80-bit extended type (`Float80`): `1e-7` prints `0.0000001`, `1e21` prints
/// `1000000000000000000000`.
///
/// Both directions call the C library, as Redis does, so the digits are glibc's.
enum StringFloat {
    #if arch(x86_64) || arch(i386)
    /// The C `long double`.
    typealias LongDouble = Float80
    #else
    // Elsewhere Swift has no 80-bit type; Redis there uses what the platform's long double is,
    // which on arm64 Linux is binary128. Double is the closest Swift offers.
    typealias LongDouble = Double
    #endif

    /// Longest text Redis accepts (`MAX_LONG_DOUBLE_CHARS`, 5 KiB, less the NUL).
    static let maxLength = 5 * 1024 - 1

    /// The number `bytes` spells, as Redis's `string2ld` reads it: `strtold` over the whole text
    /// (hexadecimal floats and `inf` included), no leading white space, no NaN, no overflow to
    /// infinity or underflow to zero. Like Redis (which copies into a C string), a NUL byte ends
    /// the text.
    static func parse(_ bytes: [UInt8]) -> LongDouble? {
        guard !bytes.isEmpty, bytes.count <= maxLength else { return nil }
        var text = [CChar](repeating: 0, count: bytes.count + 1)
        for i in bytes.indices { text[i] = CChar(bitPattern: bytes[i]) }
        guard !isSpace(bytes[0]) else { return nil }
        return text.withUnsafeBufferPointer { buffer -> LongDouble? in
            let start = buffer.baseAddress!
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            #if arch(x86_64) || arch(i386)
            let value = strtold(start, &end)
            #else
            let value = strtod(start, &end)
            #endif
            let failure = errno
            guard let end, end.pointee == 0 else { return nil }
            if failure == EINVAL || value.isNaN { return nil }
            if failure == ERANGE && (value.isInfinite || value == 0) { return nil }
            return value
        }
    }

    /// `value` as Redis prints it after `INCRBYFLOAT`: `inf`/`-inf`, or 17 decimals with the
    /// trailing zeros (and a bare point) removed, and `-0` as `0`.
    static func format(_ value: LongDouble) -> [UInt8] {
        if value.isInfinite { return Array((value > 0 ? "inf" : "-inf").utf8) }
        if value.isNaN { return Array("nan".utf8) }
        // The widest finite long double, 1.19e4932, takes 4,933 digits plus the 18 after them.
        var buffer = [CChar](repeating: 0, count: 5 * 1024)
        let written = buffer.withUnsafeMutableBufferPointer { out -> Int in
            withVaList([value]) { arguments in
                #if arch(x86_64) || arch(i386)
                Int(vsnprintf(out.baseAddress!, out.count, "%.17Lf", arguments))
                #else
                Int(vsnprintf(out.baseAddress!, out.count, "%.17f", arguments))
                #endif
            }
        }
        guard written > 0, written < buffer.count else { return [] }
        var bytes = buffer[0..<written].map { UInt8(bitPattern: $0) }
        if bytes.contains(UInt8(ascii: ".")) {
            while bytes.last == UInt8(ascii: "0") { bytes.removeLast() }
            if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        }
        if bytes == Array("-0".utf8) { return [UInt8(ascii: "0")] }
        return bytes
    }

    /// C's `isspace` in the C locale.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}
