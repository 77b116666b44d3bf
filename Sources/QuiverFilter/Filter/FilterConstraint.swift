/// A condition on one field that every element a filter accepts must meet: what an attribute
/// index can answer. Extracted from the top-level `and` terms of an expression; the filter
/// itself still decides each candidate.
package enum FilterConstraint: Sendable, Equatable {
    /// A literal value a constraint compares with.
    package enum Value: Sendable, Hashable {
        case number(Double)
        case string(String)
        case null
    }

    /// `.field == value` (or `value == .field`), or `.field in [values]`: the field equals one
    /// of the values under the filter language's `==`.
    case equals(field: String, values: [Value])
    /// `.field > n`, `>=`, `<`, `<=` against a number (or the same reversed): the field,
    /// coerced to a number, lies in the range.
    case range(field: String, lower: Double?, lowerInclusive: Bool, upper: Double?, upperInclusive: Bool)

    /// The field the constraint is on.
    package var field: String {
        switch self {
        case .equals(let field, _), .range(let field, _, _, _, _): field
        }
    }

    /// The constraints among the top-level `and` terms of `tree`.
    static func extract(from tree: FilterSyntaxTree) -> [FilterConstraint] {
        guard !tree.nodes.isEmpty else { return [] }
        var out: [FilterConstraint] = []
        collect(tree, root: tree.nodes.count - 1, into: &out)
        return out
    }

    /// The start of the subtree that ends at `root` (nodes are in post-order).
    private static func subtreeStart(_ tree: FilterSyntaxTree, _ root: Int) -> Int {
        var need = 1
        var i = root
        while true {
            switch tree.nodes[i] {
            case .not: break
            case .binary: need += 1
            default: need -= 1
            }
            if need == 0 { return i }
            i -= 1
        }
    }

    private static func collect(_ tree: FilterSyntaxTree, root: Int, into out: inout [FilterConstraint]) {
        guard case .binary(let op) = tree.nodes[root] else { return }
        let rightStart = subtreeStart(tree, root - 1)
        let leftEnd = rightStart - 1
        if op == .and {
            collect(tree, root: leftEnd, into: &out)
            collect(tree, root: root - 1, into: &out)
            return
        }
        // Only `selector OP literal` shapes: each side a single node.
        guard rightStart == root - 1, subtreeStart(tree, leftEnd) == leftEnd else { return }
        let left = tree.nodes[leftEnd]
        let right = tree.nodes[root - 1]
        func name(_ node: FilterSyntaxTree.Node) -> String? {
            guard case .selector(let i) = node, !tree.selectors[i].isEmpty else { return nil }
            return String(decoding: tree.selectors[i], as: UTF8.self)
        }
        func literal(_ node: FilterSyntaxTree.Node) -> Value? {
            switch node {
            case .number(let n): .number(n)
            case .string(let bytes): .string(String(decoding: bytes, as: UTF8.self))
            case .null: .null
            default: nil
            }
        }
        switch op {
        case .equal:
            if let field = name(left), let value = literal(right) { out.append(.equals(field: field, values: [value])) }
            if let field = name(right), let value = literal(left) { out.append(.equals(field: field, values: [value])) }
        case .in:
            guard let field = name(left), case .tuple(let elements) = right else { return }
            var values: [Value] = []
            for element in elements {
                switch element {
                case .number(let n): values.append(.number(n))
                case .string(let bytes): values.append(.string(String(decoding: bytes, as: UTF8.self)))
                }
            }
            out.append(.equals(field: field, values: values))
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            var comparison = op
            var field = name(left)
            var bound: Double?
            if field != nil, case .number(let n) = right { bound = n }
            if field == nil, let reversed = name(right), case .number(let n) = left {
                field = reversed
                bound = n
                comparison = switch op {
                case .greater: .less
                case .greaterOrEqual: .lessOrEqual
                case .less: .greater
                default: .greaterOrEqual
                }
            }
            guard let field, let bound, !bound.isNaN else { return }
            switch comparison {
            case .greater: out.append(.range(field: field, lower: bound, lowerInclusive: false, upper: nil, upperInclusive: false))
            case .greaterOrEqual: out.append(.range(field: field, lower: bound, lowerInclusive: true, upper: nil, upperInclusive: false))
            case .less: out.append(.range(field: field, lower: nil, lowerInclusive: false, upper: bound, upperInclusive: false))
            default: out.append(.range(field: field, lower: nil, lowerInclusive: false, upper: bound, upperInclusive: true))
            }
        default:
            return
        }
    }
}

extension FilterConstraint {
    /// The number the filter language reads from the string `text` when all of it is numeric
    /// (as `strtod` reads it: leading whitespace, hex, `inf` and `nan` included), `nil` when
    /// the language reads it as 0 because it is not (or is 256 bytes or longer).
    package static func number(inString text: String) -> Double? {
        var text = text
        return text.withUTF8 { utf8 -> Double? in
            let bytes = UnsafeRawBufferPointer(utf8)
            guard bytes.count < 256 else { return nil }
            var start = 0
            while start < bytes.count, FilterLexer.isSpace(bytes[start]) { start += 1 }
            let end = bytes[start...].firstIndex(of: 0) ?? bytes.count
            guard start < end else { return nil }
            return JSONScanner.parseDouble(utf8, from: start, to: end)
        }
    }
}
