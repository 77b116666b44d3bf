/// Bytes that are not a sortable key: what was wrong and the byte offset where the decoder
/// noticed it.
///
/// Match a kind of failure with `catch SortableKeyError.Code.truncated` or compare ``code``.
/// The description names the offset and the kind, never the key's contents.
public struct SortableKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of mistake.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable { case unknownTag, truncated, invalidUTF8, nonCanonical }
        private let value: Value

        /// A byte where a component starts that is not a type tag.
        public static let unknownTag = Code(value: .unknownTag)
        /// The key ended inside a component (a number's 8 bytes, or before a string's or
        /// bytes' terminator).
        public static let truncated = Code(value: .truncated)
        /// A string component whose bytes are not well-formed UTF-8.
        public static let invalidUTF8 = Code(value: .invalidUTF8)
        /// A number the encoder never writes: −0 (written as 0) or a NaN other than the
        /// canonical one.
        public static let nonCanonical = Code(value: .nonCanonical)

        /// The code's name.
        public var description: String {
            switch value {
            case .unknownTag: "unknown type tag"
            case .truncated: "truncated component"
            case .invalidUTF8: "invalid UTF-8 in a string"
            case .nonCanonical: "non-canonical number"
            }
        }
    }

    /// The kind of mistake.
    public let code: Code
    /// The byte offset, from the start of the key, of the component's tag.
    public let offset: Int

    /// Creates an error of `code` for the component at byte `offset`.
    public init(_ code: Code, at offset: Int) {
        self.code = code
        self.offset = offset
    }

    /// `invalid sortable key at byte <offset>: <code>`.
    public var description: String { "invalid sortable key at byte \(offset): \(code)" }
}

extension SortableKeyError.Code {
    /// Lets `catch SortableKeyError.Code.truncated` match an error by its code.
    public static func ~= (pattern: SortableKeyError.Code, error: any Error) -> Bool {
        (error as? SortableKeyError)?.code == pattern
    }
}
