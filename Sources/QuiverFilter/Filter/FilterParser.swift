/// Parses FILTER tokens into a ``FilterSyntaxTree`` by precedence climbing.
///
/// The grammar is the infix language Redis documents: `!`/`not` bind tightest and may repeat
/// (post-8.8), `**` is right-associative, every other binary operator is left-associative,
/// and levels run as in ``FilterOperator/precedence``. On every well-formed expression this
/// gives the tree Redis 8.8's shunting-yard compiler gives. That compiler only counts
/// operands, so it also accepts some operator sequences that are not infix expressions
/// (`1 2 +`, `.a not in [1]` meaning `(!.a) in [1]`); those are rejected here, with the
/// same message as any structural error.
struct FilterParser {
    /// How deeply parentheses, unary operators and `**` chains may nest.
    static let maximumNesting = 256

    /// Where parsing failed: the index of the token it could not use (the token count when
    /// the expression ended too early).
    struct Failure: Error { let token: Int }

    private let tokens: [FilterToken]
    private var index = 0
    private var tree = FilterSyntaxTree()

    private init(tokens: [FilterToken]) { self.tokens = tokens }

    static func parse(_ tokens: [FilterToken]) throws(Failure) -> FilterSyntaxTree {
        var parser = FilterParser(tokens: tokens)
        try parser.expression(minimumPrecedence: 0, depth: 0)
        guard parser.index == tokens.count else { throw Failure(token: parser.index) }
        return parser.tree
    }

    private mutating func expression(minimumPrecedence: Int, depth: Int) throws(Failure) {
        try prefix(depth: depth)
        while index < tokens.count, case .op(let op) = tokens[index], op.isBinary, op.precedence >= minimumPrecedence {
            index += 1
            let right = op == .power ? op.precedence : op.precedence + 1
            try expression(minimumPrecedence: right, depth: depth + 1)
            tree.nodes.append(.binary(op))
        }
    }

    private mutating func prefix(depth: Int) throws(Failure) {
        guard depth < Self.maximumNesting, index < tokens.count else { throw Failure(token: index) }
        let token = tokens[index]
        index += 1
        switch token {
        case .number(let value): tree.nodes.append(.number(value))
        case .string(let bytes): tree.nodes.append(.string(bytes))
        case .tuple(let elements): tree.nodes.append(.tuple(elements))
        case .null: tree.nodes.append(.null)
        case .selector(let name):
            if let existing = tree.selectors.firstIndex(of: name) {
                tree.nodes.append(.selector(existing))
            } else {
                tree.selectors.append(name)
                tree.nodes.append(.selector(tree.selectors.count - 1))
            }
        case .op(.openParenthesis):
            try expression(minimumPrecedence: 0, depth: depth + 1)
            guard index < tokens.count, tokens[index] == .op(.closeParenthesis) else { throw Failure(token: index) }
            index += 1
        case .op(.not):
            try prefix(depth: depth + 1)
            tree.nodes.append(.not)
        case .op:
            throw Failure(token: index - 1)
        }
    }
}
