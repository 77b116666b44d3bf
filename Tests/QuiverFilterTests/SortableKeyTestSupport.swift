import QuiverFilter

// Random tuples and an order written independently of the encoder's (code points instead of
// UTF-8 bytes, Double's own comparison instead of bit patterns), shared by the sortable key
// tests.

enum SortableKeyReference {
    /// The type order, spelled out.
    static func rank(_ c: SortableKeyComponent) -> Int {
        switch c {
        case .null: 0
        case .bool(false): 1
        case .bool(true): 2
        case .number: 3
        case .string: 4
        case .bytes: 5
        }
    }

    /// −1, 0 or 1. Numbers must not be NaN (Double's comparison has no place for it).
    static func compare(_ a: SortableKeyComponent, _ b: SortableKeyComponent) -> Int {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y ? -1 : x == y ? 0 : 1  // −0 == 0
        case (.string(let x), .string(let y)):
            let xs = x.unicodeScalars.map(\.value)
            let ys = y.unicodeScalars.map(\.value)
            return xs.lexicographicallyPrecedes(ys) ? -1 : xs == ys ? 0 : 1
        case (.bytes(let x), .bytes(let y)): return x.lexicographicallyPrecedes(y) ? -1 : x == y ? 0 : 1
        default: return rank(a) < rank(b) ? -1 : rank(a) == rank(b) ? 0 : 1
        }
    }

    /// Tuples component by component; a proper prefix first.
    static func compare(_ a: [SortableKeyComponent], _ b: [SortableKeyComponent]) -> Int {
        for (x, y) in zip(a, b) {
            let c = compare(x, y)
            if c != 0 { return c }
        }
        return a.count < b.count ? -1 : a.count == b.count ? 0 : 1
    }

    /// memcmp's sign.
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.lexicographicallyPrecedes(b) ? -1 : a == b ? 0 : 1
    }

    /// A component drawn from small pools, so that equal values, shared prefixes and
    /// neighbours are common.
    static func randomComponent(_ g: inout SplitMix64) -> SortableKeyComponent {
        switch g.next() % 10 {
        case 0: return .null
        case 1: return .bool(g.next() & 1 == 0)
        case 2, 3: return .number(randomNumber(&g))
        case 4, 5, 6, 7: return .string(randomString(&g))
        default: return .bytes((0..<Int(g.next() % 5)).map { _ in [0x00, 0x01, 0x7F, 0xFE, 0xFF][Int(g.next() % 5)] })
        }
    }

    static let specialNumbers: [Double] = [
        0, -0.0, 1, -1, 0.5, -0.5, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, 0x1p53, 0x1p53 + 2, -0x1p53,
        Double(Int64.max), Double(Int64.min), 1999, 1e-300,
    ]

    static func randomNumber(_ g: inout SplitMix64) -> Double {
        switch g.next() % 3 {
        case 0: return specialNumbers[Int(g.next() % UInt64(specialNumbers.count))]
        case 1: return Double(Int(g.next() % 21) - 10)
        default:
            while true {
                let value = Double(bitPattern: g.next())
                if !value.isNaN { return value }
            }
        }
    }

    static func randomString(_ g: inout SplitMix64) -> String {
        let alphabet: [Unicode.Scalar] = [
            "\u{0}", "\u{1}", "a", "b", "Z", "é", "\u{7F}", "\u{FFFF}", "😀", "\u{10FFFF}",
        ]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int(g.next() % 4) { scalars.append(alphabet[Int(g.next() % UInt64(alphabet.count))]) }
        return String(scalars)
    }

    /// A tuple, often an extension of one of `bases` (so prefixes are shared).
    static func randomTuple(
        _ g: inout SplitMix64, extending bases: [[SortableKeyComponent]] = []
    ) -> [SortableKeyComponent] {
        var tuple = bases.isEmpty || g.next() % 3 == 0 ? [] : bases[Int(g.next() % UInt64(bases.count))]
        if g.next() % 2 == 0, !tuple.isEmpty { tuple.removeLast(Int(g.next() % UInt64(tuple.count + 1))) }
        for _ in 0..<Int(g.next() % 4) { tuple.append(randomComponent(&g)) }
        return tuple
    }

    static func randomTuples(_ g: inout SplitMix64, count: Int) -> [[SortableKeyComponent]] {
        var tuples: [[SortableKeyComponent]] = []
        for _ in 0..<count { tuples.append(randomTuple(&g, extending: tuples)) }
        return tuples
    }
}

/// A key's bytes in hex (`20 61 00`), for expectations and failure messages.
func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789ABCDEF")
    var text = ""
    for (i, byte) in bytes.enumerated() {
        if i > 0 { text.append(" ") }
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0xF)])
    }
    return text
}
