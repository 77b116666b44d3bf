/// One typed part of a sortable key; see ``SortableKeyEncoder``.
///
/// Components compare in the order their encodings sort (`==`, `<` and `hash(into:)` all
/// follow the bytes):
/// 1. by type: `null` < `false` < `true` < numbers < strings < bytes;
/// 2. numbers by value, with −∞ first and +∞ last; −0 equals 0, and NaN (which JSON cannot
///    hold) is a single value above +∞;
/// 3. strings by their UTF-8 bytes, which is Unicode code point order, so `"Z" < "a" < "é"`
///    and a string sorts before its extensions (`"ab" < "ab\0" < "abc"`). No normalization:
///    `"é"` and `"e\u{301}"` are different, unlike with `String`'s `==`;
/// 4. bytes lexicographically.
///
/// Numbers are `Double`s, as in JSON, so an integer and a double of the same value are the
/// same component. ``init(_:)-(BinaryInteger)`` converts an integer to the nearest `Double`:
/// exact up to 2^53 in magnitude; beyond that neighbouring integers can share one component,
/// though the order is never inverted (`a < b` gives components `≤`). Keep integers that must
/// stay distinct beyond 2^53 (64-bit ids) in fixed-width big-endian ``bytes(_:)``.
public enum SortableKeyComponent: Sendable, Hashable, Comparable {
    /// `null`.
    case null
    /// `false` or `true`.
    case bool(Bool)
    /// A number.
    case number(Double)
    /// A string.
    case string(String)
    /// Raw bytes.
    case bytes([UInt8])

    /// The component for a JSON scalar: `nil` for arrays and objects.
    public init?(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let bool): self = .bool(bool)
        case .number(let number): self = .number(number)
        case .string(let string): self = .string(string)
        case .array, .object: return nil
        }
    }

    /// The number nearest `integer` (exact when its magnitude is at most 2^53).
    public init(_ integer: some BinaryInteger) { self = .number(Double(integer)) }

    /// The component's position among the types.
    private var rank: Int {
        switch self {
        case .null: 0
        case .bool(let value): value ? 2 : 1
        case .number: 3
        case .string: 4
        case .bytes: 5
        }
    }

    /// Whether `a` sorts before `b`.
    public static func < (a: SortableKeyComponent, b: SortableKeyComponent) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            return SortableKeyFormat.orderedBits(x) < SortableKeyFormat.orderedBits(y)
        case (.string(let x), .string(let y)): return x.utf8.lexicographicallyPrecedes(y.utf8)
        case (.bytes(let x), .bytes(let y)): return x.lexicographicallyPrecedes(y)
        default: return a.rank < b.rank
        }
    }

    /// Whether `a` and `b` encode to the same bytes.
    public static func == (a: SortableKeyComponent, b: SortableKeyComponent) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): SortableKeyFormat.orderedBits(x) == SortableKeyFormat.orderedBits(y)
        case (.string(let x), .string(let y)): x.utf8.elementsEqual(y.utf8)
        case (.bytes(let x), .bytes(let y)): x == y
        default: a.rank == b.rank && a.rank <= 2
        }
    }

    /// Hashes what ``==(_:_:)`` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(rank)
        switch self {
        case .null, .bool: break
        case .number(let value): hasher.combine(SortableKeyFormat.orderedBits(value))
        case .string(let value):
            let done: Void? = value.utf8.withContiguousStorageIfAvailable {
                hasher.combine(bytes: UnsafeRawBufferPointer($0))
            }
            if done == nil { for byte in value.utf8 { hasher.combine(byte) } }
        case .bytes(let value): hasher.combine(value)
        }
    }
}

extension SortableKeyComponent: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral
{
    /// `null`.
    public init(nilLiteral: ()) { self = .null }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A number.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A number.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
}
