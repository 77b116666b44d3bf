internal import Quiver

/// A vector as `VADD` and `VSIM` spell it: `[REDUCE k] FP32 blob | VALUES n v1 … vn`.
struct VectorSpecification: Equatable {
    /// The components as sent (before any projection).
    var values: [Float]
    /// The REDUCE target, `nil` without REDUCE.
    var reduce: Int?
    /// Arguments the specification took, REDUCE included.
    var consumed: Int

    /// The input dimension.
    var dimension: Int { values.count }

    /// Redis's upper bound on dimensions (VALUES count and FP32 floats).
    static let maxDimension = 65536

    /// Parses the specification starting at `arguments[start]` the way Redis 8.8 does, or
    /// returns `nil` for anything it answers `ERR invalid vector specification`: an unknown
    /// format, an FP32 blob whose length is not a positive multiple of 4 or holds more than
    /// 65536 floats, a VALUES count that is not an integer in 1...65536 or exceeds the
    /// arguments left, an unparsable component, a REDUCE that is not a positive integer or
    /// exceeds the input dimension.
    ///
    /// Unlike Redis, a component that is not finite once narrowed to f32 (`inf`, `1e300`, a NaN
    /// in a blob) is refused the same way: Redis stores it and its searches return garbage.
    ///
    /// - Parameters:
    ///   - arguments: The whole command, name included.
    ///   - start: Index of the first argument of the specification.
    ///   - allowsReduce: Whether `REDUCE k` may come first (VADD only).
    static func parse(_ arguments: [[UInt8]], from start: Int, allowsReduce: Bool) -> VectorSpecification? {
        var index = start
        var consumed = 0
        var reduce: Int?
        // Redis looks for REDUCE only when two more arguments follow it.
        if allowsReduce, arguments.count > index + 2, CommandArguments.matches(arguments[index], "REDUCE") {
            guard let value = CommandArguments.integer(arguments[index + 1]), value > 0 else { return nil }
            reduce = Int(clamping: value)
            index += 2
            consumed += 2
        }
        guard index < arguments.count else { return nil }
        let format = arguments[index]
        var values: [Float]
        if CommandArguments.matches(format, "FP32") {
            guard arguments.count >= index + 2 else { return nil }
            let blob = arguments[index + 1]
            guard blob.count >= 4, blob.count % 4 == 0, blob.count / 4 <= maxDimension else { return nil }
            values = [Float](repeating: 0, count: blob.count / 4)
            blob.withUnsafeBytes { raw in
                for i in values.indices {
                    values[i] = Float(
                        bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            }
            consumed += 2
        } else if CommandArguments.matches(format, "VALUES") {
            guard arguments.count >= index + 2, let count = CommandArguments.integer(arguments[index + 1]),
                count >= 1, count <= Int64(maxDimension), arguments.count >= index + 2 + Int(count)
            else { return nil }
            values = []
            values.reserveCapacity(Int(count))
            for argument in arguments[(index + 2)..<(index + 2 + Int(count))] {
                guard let value = CommandArguments.double(argument), value != 0 || !underflows(argument) else {
                    return nil
                }
                values.append(Float(value))
            }
            consumed += 2 + Int(count)
        } else {
            return nil
        }
        guard values.allSatisfy(\.isFinite) else { return nil }
        if let reduce, reduce > values.count { return nil }
        return VectorSpecification(values: values, reduce: reduce, consumed: consumed)
    }
}

extension VectorSpecification {
    /// Whether `text`, which parsed to 0, spells a nonzero number too small for a double
    /// (`1e-400`): Redis's `strtod` check refuses those (`ERANGE`), Swift's parser rounds them to 0.
    static func underflows(_ text: [UInt8]) -> Bool {
        let lower = text.map { $0 | 0x20 }
        let hex =
            lower.starts(with: Array("0x".utf8)) || lower.starts(with: Array("-0x".utf8))
            || lower.starts(with: Array("+0x".utf8))
        let digits = hex ? Array("123456789abcdef".utf8) : Array("123456789".utf8)
        let start = hex ? (lower.firstIndex(of: UInt8(ascii: "x")).map { $0 + 1 } ?? 0) : 0
        for c in lower[start...] {
            if c == UInt8(ascii: hex ? "p" : "e") { break }
            if digits.contains(c) { return true }
        }
        return false
    }
}

/// `VADD`'s options after the element: `[CAS] [NOQUANT | Q8 | BIN] [EF n] [SETATTR attrs] [M n]`,
/// in any order, repeatable, the last one winning.
struct VectorAddOptions: Equatable {
    var cas = false
    var quantization = VectorQuantization.q8
    /// The build EF (1...1,000,000; validated, see `docs/protocol/vector-sets.md`).
    var ef = 200
    /// SETATTR's value; `nil` without SETATTR (an update keeps the attribute), empty to remove.
    var attributes: [UInt8]?
    var m = 16

    /// Parses `arguments[start...]`.
    ///
    /// - Throws: `ERR invalid EF`, `ERR invalid M`, or `ERR invalid option after element` for an
    ///   unknown token or EF, M or SETATTR without a value.
    static func parse(_ arguments: [[UInt8]], from start: Int) throws(CommandError) -> VectorAddOptions {
        var options = VectorAddOptions()
        var j = start
        while j < arguments.count {
            let option = arguments[j]
            let hasValue = j + 1 < arguments.count
            if CommandArguments.matches(option, "CAS") {
                options.cas = true
            } else if hasValue, CommandArguments.matches(option, "EF") {
                guard let ef = CommandArguments.integer(arguments[j + 1]), ef > 0, ef <= 1_000_000 else {
                    throw .err("invalid EF")
                }
                options.ef = Int(ef)
                j += 1
            } else if hasValue, CommandArguments.matches(option, "M") {
                guard let m = CommandArguments.integer(arguments[j + 1]), m >= 4, m <= 4096 else {
                    throw .err("invalid M")
                }
                options.m = Int(m)
                j += 1
            } else if hasValue, CommandArguments.matches(option, "SETATTR") {
                options.attributes = arguments[j + 1]
                j += 1
            } else if CommandArguments.matches(option, "NOQUANT") {
                options.quantization = .noquant
            } else if CommandArguments.matches(option, "BIN") {
                options.quantization = .binary
            } else if CommandArguments.matches(option, "Q8") {
                options.quantization = .q8
            } else {
                throw .err("invalid option after element")
            }
            j += 1
        }
        return options
    }
}

/// `VSIM`'s options after the query: `[WITHSCORES] [WITHATTRIBS] [COUNT n] [EPSILON d] [EF n]
/// [FILTER expr] [FILTER-EF n] [TRUTH] [NOTHREAD]`, in any order, repeatable, the last one winning.
struct VectorSimilarityOptions: Sendable {
    var withScores = false
    var withAttributes = false
    var count = 10
    /// Results stop at the first whose distance / 2 exceeds it (Redis compares in f32).
    var epsilon: Double = 2
    /// EF; `nil` for Redis's default 100.
    var ef: Int?
    var filter: FilterExpression?
    /// FILTER-EF (validated; the engine plans filtered searches itself).
    var filterEF: Int?
    var truth = false
    var noThread = false

    /// Redis's default search EF.
    static let defaultEF = 100

    /// Parses `arguments[start...]`.
    ///
    /// - Throws: `ERR invalid COUNT`, `ERR invalid EPSILON`, `ERR invalid EF`, `ERR invalid
    ///   FILTER-EF`, `ERR syntax error in FILTER expression near: …`, or `ERR syntax error in VSIM
    ///   command` for an unknown option or one that needs a value and comes last.
    static func parse(_ arguments: [[UInt8]], from start: Int) throws(CommandError) -> VectorSimilarityOptions {
        var options = VectorSimilarityOptions()
        var j = start
        while j < arguments.count {
            let option = arguments[j]
            let hasValue = j + 1 < arguments.count
            if CommandArguments.matches(option, "WITHSCORES") {
                options.withScores = true
            } else if CommandArguments.matches(option, "WITHATTRIBS") {
                options.withAttributes = true
            } else if CommandArguments.matches(option, "TRUTH") {
                options.truth = true
            } else if CommandArguments.matches(option, "NOTHREAD") {
                options.noThread = true
            } else if hasValue, CommandArguments.matches(option, "COUNT") {
                guard let count = CommandArguments.integer(arguments[j + 1]), count > 0 else {
                    throw .err("invalid COUNT")
                }
                options.count = Int(clamping: count)
                j += 1
            } else if hasValue, CommandArguments.matches(option, "EPSILON") {
                guard let epsilon = CommandArguments.double(arguments[j + 1]), epsilon > 0 else {
                    throw .err("invalid EPSILON")
                }
                options.epsilon = epsilon
                j += 1
            } else if hasValue, CommandArguments.matches(option, "EF") {
                guard let ef = CommandArguments.integer(arguments[j + 1]), ef > 0, ef <= 1_000_000 else {
                    throw .err("invalid EF")
                }
                options.ef = Int(ef)
                j += 1
            } else if hasValue, CommandArguments.matches(option, "FILTER-EF") {
                guard let filterEF = CommandArguments.integer(arguments[j + 1]), filterEF > 0 else {
                    throw .err("invalid FILTER-EF")
                }
                options.filterEF = Int(clamping: filterEF)
                j += 1
            } else if hasValue, CommandArguments.matches(option, "FILTER") {
                do {
                    options.filter = try FilterExpression(String(decoding: arguments[j + 1], as: UTF8.self))
                } catch {
                    throw .err(error.message)
                }
                j += 1
            } else {
                throw .err("syntax error in VSIM command")
            }
            j += 1
        }
        return options
    }
}

/// A bound of `VRANGE`: `-`, `+`, `[element` (inclusive) or `(element` (exclusive).
enum VectorRangeBound: Equatable {
    case minimum
    case maximum
    case element([UInt8], inclusive: Bool)

    /// Parses a bound, `nil` for any other form (an empty string, a bare `[` or `(`).
    init?(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return nil }
        if bytes.count == 1, first == UInt8(ascii: "-") {
            self = .minimum
        } else if bytes.count == 1, first == UInt8(ascii: "+") {
            self = .maximum
        } else if bytes.count > 1, first == UInt8(ascii: "[") || first == UInt8(ascii: "(") {
            self = .element(Array(bytes.dropFirst()), inclusive: first == UInt8(ascii: "["))
        } else {
            return nil
        }
    }

    /// Whether `key` is at or before this bound used as the end of a range.
    func admitsAsEnd(_ key: [UInt8]) -> Bool {
        switch self {
        case .minimum: return false
        case .maximum: return true
        case .element(let bound, let inclusive):
            let order = Key(key) < Key(bound) ? -1 : (key == bound ? 0 : 1)
            return inclusive ? order <= 0 : order < 0
        }
    }
}
