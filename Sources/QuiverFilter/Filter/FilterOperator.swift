/// The FILTER operators, with Redis's spellings, precedence and arity.
enum FilterOperator: UInt8, Sendable, CaseIterable {
    case openParenthesis, closeParenthesis
    case not
    case power
    case multiply, divide, modulo
    case add, subtract
    case greater, greaterOrEqual, less, lessOrEqual, equal, notEqual, `in`
    case and
    case or

    /// Every spelling, as Redis's operator table lists them (several spell one operator).
    static let spellings: [(text: [UInt8], op: FilterOperator)] =
        ([
            ("(", .openParenthesis), (")", .closeParenthesis), ("!", .not), ("not", .not), ("**", .power),
            ("*", .multiply), ("/", .divide), ("%", .modulo), ("+", .add), ("-", .subtract), (">", .greater),
            (">=", .greaterOrEqual), ("<", .less), ("<=", .lessOrEqual), ("==", .equal), ("!=", .notEqual),
            ("in", .in), ("and", .and), ("&&", .and), ("or", .or), ("||", .or),
        ] as [(String, FilterOperator)]).map { (Array($0.0.utf8), $0.1) }

    /// Binding strength, high to low: `( )` 7, `!` `not` 6, `**` 5, `* / %` 4, `+ -` 3,
    /// comparisons and `in` 2, `and` `&&` 1, `or` `||` 0.
    var precedence: Int {
        switch self {
        case .openParenthesis, .closeParenthesis: 7
        case .not: 6
        case .power: 5
        case .multiply, .divide, .modulo: 4
        case .add, .subtract: 3
        case .greater, .greaterOrEqual, .less, .lessOrEqual, .equal, .notEqual, .in: 2
        case .and: 1
        case .or: 0
        }
    }

    /// Whether the operator goes between two operands.
    var isBinary: Bool {
        switch self {
        case .openParenthesis, .closeParenthesis, .not: false
        default: true
        }
    }
}
