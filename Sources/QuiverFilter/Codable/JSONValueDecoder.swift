/// Decodes `Decodable` values from ``JSONValue``s or JSON text, without Foundation.
///
/// ```swift
/// let movie = try JSONValueDecoder().decode(Movie.self, from: Array(#"{"title":"Heat","year":1995,"tags":[]}"#.utf8))
/// ```
///
/// Text is parsed by ``JSONValue/init(parsing:)``'s strict grammar. Decoding is strict too:
/// - a `Bool` is only `true` or `false`, a `String` only a string (no coercions);
/// - an integer type takes a number that is integral, fits the type, and is at most 2^53 − 1 in
///   magnitude (beyond that, JSON text has already been rounded to a `Double`, so the integer it
///   names is unknown): otherwise `DecodingError.dataCorrupted`;
/// - a `Float` takes any number within its range, rounded to the nearest float (a number that
///   would round to infinity, or from non-zero to zero, is `DecodingError.dataCorrupted`);
/// - a missing key is `DecodingError.keyNotFound` unless read with `decodeIfPresent` (which
///   also reads `null` as `nil`); `null` where a value is required is
///   `DecodingError.valueNotFound`; a value of the wrong JSON type is
///   `DecodingError.typeMismatch`.
///
/// Keys match when their UTF-8 bytes are equal, as FILTER selectors match (`String`'s `==`
/// would also match canonically equivalent spellings), and when an object repeats a key the
/// first member wins, as it does for ``JSONObject``'s lookups and FILTER selectors. Every error carries the coding path of the offending value;
/// messages name types and JSON kinds, never the document's contents. `Date`, `Data` and `URL`
/// are not supported (they live in Foundation).
public struct JSONValueDecoder: Sendable {
    // MARK: Options

    /// Values handed to every `init(from:)` as `decoder.userInfo`. Default: empty.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// Creates a decoder with the default options.
    public init() {}

    // MARK: Decoding

    /// Decodes a value of `type` from a JSON value.
    ///
    /// - Parameters:
    ///   - type: The type to decode.
    ///   - value: The JSON value.
    /// - Returns: The decoded value.
    /// - Throws: `DecodingError` (see the type's discussion), or whatever the type's
    ///   `init(from:)` throws.
    /// - Complexity: O(*n*) in the size of `value` for types that read each member once
    ///   (members are found by scanning objects of up to 64 members, and through a hash table
    ///   in larger ones).
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONValueDecoding(value: value, path: .root, options: self)
            .unbox(type, from: value, path: .root, reusingSelf: true)
    }

    /// Decodes a value of `type` from JSON text.
    ///
    /// - Parameters:
    ///   - type: The type to decode.
    ///   - bytes: UTF-8 JSON text, parsed by ``JSONValue/init(parsing:)``.
    /// - Returns: The decoded value.
    /// - Throws: `DecodingError.dataCorrupted` with the ``JSONError`` as its underlying error
    ///   when the text is not valid JSON; otherwise as the `JSONValue` overload.
    /// - Complexity: O(*n*) in the length of the text, as the `JSONValue` overload.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: [], debugDescription: "The given data was not valid JSON (\(error)).",
                    underlyingError: error))
        }
        return try decode(type, from: value)
    }
}

/// The `Decoder` handed to `init(from:)`: one per value decoded with a custom or synthesized
/// conformance; it is also its own single-value container.
final class JSONValueDecoding: Decoder, SingleValueDecodingContainer {
    let value: JSONValue
    let path: JSONCodingPath
    let options: JSONValueDecoder

    init(value: JSONValue, path: JSONCodingPath, options: JSONValueDecoder) {
        self.value = value
        self.path = path
        self.options = options
    }

    var codingPath: [any CodingKey] { path.array }

    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    /// Built on the first keyed container and reused by later ones (a class hierarchy asks once
    /// per level).
    private var cachedMemberTable: JSONMemberTable?

    private func memberTable(_ object: JSONObject) -> JSONMemberTable {
        if let cachedMemberTable { return cachedMemberTable }
        let table = JSONMemberTable(object)
        cachedMemberTable = table
        return table
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch value {
        case .object(let object):
            return KeyedDecodingContainer(JSONKeyedDecodingContainer<Key>(table: memberTable(object), decoder: self))
        case .null:
            throw DecodingError.valueNotFound(
                KeyedDecodingContainer<Key>.self,
                DecodingError.Context(
                    codingPath: codingPath, debugDescription: "Expected an object for a keyed container but found null."
                ))
        default:
            throw Self.typeMismatch([String: Any].self, value, codingPath)
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let elements):
            return JSONUnkeyedDecodingContainer(elements: elements, decoder: self, path: path)
        case .null:
            throw DecodingError.valueNotFound(
                (any UnkeyedDecodingContainer).self,
                DecodingError.Context(
                    codingPath: codingPath,
                    debugDescription: "Expected an array for an unkeyed container but found null."))
        default:
            throw Self.typeMismatch([Any].self, value, codingPath)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    // MARK: Unboxing values

    /// Any value of `type` from `value`, at `path` (the value's own path).
    ///
    /// Types this decoder reads directly (numbers, strings, booleans) are recognized by comparing
    /// metatypes, a pointer comparison far cheaper than a dynamic cast, so `[Int]` or
    /// `[String: String]` creates no decoder per element. This returns `T` itself, never `T?`:
    /// unspecialized code must look up `Optional<T>`'s metadata at run time, which cost more
    /// than the decoding (measured: a third of the time of decoding an `[Int]`).
    ///
    /// - Parameter reusingSelf: Whether a type with its own `init(from:)` reads this decoder
    ///   (which holds `value` at `path`) instead of a new one.
    func unbox<T: Decodable>(
        _ type: T.Type, from value: JSONValue, path: @autoclosure () -> JSONCodingPath, reusingSelf: Bool = false
    ) throws -> T {
        if T.self == String.self { return unsafeBitCast(try string(value, path), to: T.self) }
        if T.self == Int.self { return unsafeBitCast(try integer(value, Int.self, path), to: T.self) }
        if T.self == Double.self { return unsafeBitCast(try double(value, path), to: T.self) }
        if T.self == Bool.self { return unsafeBitCast(try bool(value, path), to: T.self) }
        if T.self == Int64.self { return unsafeBitCast(try integer(value, Int64.self, path), to: T.self) }
        if T.self == UInt8.self { return unsafeBitCast(try integer(value, UInt8.self, path), to: T.self) }
        if T.self == Float.self { return unsafeBitCast(try float(value, path), to: T.self) }
        if T.self == Int32.self { return unsafeBitCast(try integer(value, Int32.self, path), to: T.self) }
        if T.self == UInt.self { return unsafeBitCast(try integer(value, UInt.self, path), to: T.self) }
        if T.self == UInt64.self { return unsafeBitCast(try integer(value, UInt64.self, path), to: T.self) }
        if T.self == UInt32.self { return unsafeBitCast(try integer(value, UInt32.self, path), to: T.self) }
        if T.self == Int16.self { return unsafeBitCast(try integer(value, Int16.self, path), to: T.self) }
        if T.self == UInt16.self { return unsafeBitCast(try integer(value, UInt16.self, path), to: T.self) }
        if T.self == Int8.self { return unsafeBitCast(try integer(value, Int8.self, path), to: T.self) }
        return try T(from: reusingSelf ? self : JSONValueDecoding(value: value, path: path(), options: options))
    }

    func bool(_ value: JSONValue, _ path: () -> JSONCodingPath) throws -> Bool {
        guard case .bool(let bool) = value else { throw Self.mismatch(Bool.self, value, path) }
        return bool
    }

    func string(_ value: JSONValue, _ path: () -> JSONCodingPath) throws -> String {
        guard case .string(let string) = value else { throw Self.mismatch(String.self, value, path) }
        return string
    }

    func double(_ value: JSONValue, _ path: () -> JSONCodingPath) throws -> Double {
        guard case .number(let number) = value else { throw Self.mismatch(Double.self, value, path) }
        return number
    }

    func float(_ value: JSONValue, _ path: () -> JSONCodingPath) throws -> Float {
        guard case .number(let number) = value else { throw Self.mismatch(Float.self, value, path) }
        guard let float = JSONNumberConversion.float(number) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: path().array, debugDescription: "The number does not fit in Float."))
        }
        return float
    }

    func integer<I: FixedWidthInteger>(_ value: JSONValue, _ type: I.Type, _ path: () -> JSONCodingPath) throws -> I {
        guard case .number(let number) = value else { throw Self.mismatch(I.self, value, path) }
        switch JSONNumberConversion.integer(number, as: I.self) {
        case .success(let integer): return integer
        case .failure(let failure):
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: path().array, debugDescription: failure.message(for: I.self)))
        }
    }

    /// `valueNotFound` for `null`, otherwise `typeMismatch`.
    static func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: () -> JSONCodingPath) -> DecodingError {
        if case .null = value {
            return DecodingError.valueNotFound(
                type,
                DecodingError.Context(
                    codingPath: path().array, debugDescription: "Expected \(type) value but found null."))
        }
        return typeMismatch(type, value, path().array)
    }

    static func typeMismatch(_ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
        DecodingError.typeMismatch(
            type,
            DecodingError.Context(
                codingPath: path, debugDescription: "Expected to decode \(type) but found \(kind(of: value)) instead."))
    }

    /// The JSON kind of a value, with its article: `a string`, `an object`.
    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    // MARK: SingleValueDecodingContainer

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try bool(value, { path }) }
    func decode(_ type: String.Type) throws -> String { try string(value, { path }) }
    func decode(_ type: Double.Type) throws -> Double { try double(value, { path }) }
    func decode(_ type: Float.Type) throws -> Float { try float(value, { path }) }
    func decode(_ type: Int.Type) throws -> Int { try integer(value, type, { path }) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(value, type, { path }) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(value, type, { path }) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(value, type, { path }) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(value, type, { path }) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(value, type, { path }) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(value, type, { path }) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(value, type, { path }) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(value, type, { path }) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(value, type, { path }) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try unbox(type, from: value, path: path, reusingSelf: true)  // the same value at the same path
    }
}
