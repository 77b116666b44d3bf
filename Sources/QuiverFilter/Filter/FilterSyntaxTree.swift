/// A parsed FILTER expression, as a flat tree.
///
/// Nodes are stored in the order the parser finishes them, which is a post-order: every node
/// follows all of its descendants, each subtree is contiguous and ends with its root, and the
/// last node is the root of the whole expression. Read in order, the nodes are the program in
/// reverse Polish notation; no walk over the tree ever recurses.
struct FilterSyntaxTree: Sendable, Equatable {
    enum Node: Sendable, Equatable {
        case number(Double)
        case string([UInt8])
        case tuple([FilterLiteral])
        case null
        /// A selector, by its index in ``FilterSyntaxTree/selectors``.
        case selector(Int)
        /// `!x` or `not x`; the operand is the node before this one.
        case not
        /// A binary operator; the right operand's subtree ends just before this node.
        case binary(FilterOperator)
    }

    var nodes: [Node] = []
    /// The distinct selector names, in order of first appearance.
    var selectors: [[UInt8]] = []
}

extension FilterSyntaxTree: CustomStringConvertible {
    /// The tree fully parenthesized (`((.a + 1) > 2)`), for tests and debugging.
    var description: String {
        var stack: [String] = []
        for node in nodes {
            switch node {
            case .number(let value):
                stack.append(value == value.rounded() && value.magnitude < 1e15 ? String(Int64(value)) : "\(value)")
            case .string(let bytes): stack.append("\"" + String(decoding: bytes, as: UTF8.self) + "\"")
            case .tuple(let elements):
                let inner = elements.map { element -> String in
                    switch element {
                    case .number(let value): "\(value)"
                    case .string(let bytes): "\"" + String(decoding: bytes, as: UTF8.self) + "\""
                    }
                }
                stack.append("[" + inner.joined(separator: ", ") + "]")
            case .null: stack.append("null")
            case .selector(let index): stack.append("." + String(decoding: selectors[index], as: UTF8.self))
            case .not: stack.append("(!" + stack.removeLast() + ")")
            case .binary(let op):
                let rhs = stack.removeLast()
                let lhs = stack.removeLast()
                let spelling = FilterOperator.spellings.first { $0.op == op }!.text
                stack.append("(" + lhs + " " + String(decoding: spelling, as: UTF8.self) + " " + rhs + ")")
            }
        }
        return stack.last ?? ""
    }
}
