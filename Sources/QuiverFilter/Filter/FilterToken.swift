/// A literal inside a tuple: a number or a string (tuples hold nothing else).
enum FilterLiteral: Sendable, Equatable {
    case number(Double)
    case string([UInt8])
}

/// One token of a FILTER expression.
enum FilterToken: Sendable, Equatable {
    /// A number literal, already converted (`strtod`).
    case number(Double)
    /// A string literal, escapes decoded.
    case string([UInt8])
    /// A tuple literal such as `[1, "a"]`.
    case tuple([FilterLiteral])
    /// `.field`: the bytes after the dot (empty for a bare `.` at the very end).
    case selector([UInt8])
    /// `null`.
    case null
    /// An operator or parenthesis.
    case op(FilterOperator)
}
