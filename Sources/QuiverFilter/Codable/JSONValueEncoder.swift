/// Encodes `Encodable` values as ``JSONValue``s or as JSON text, without Foundation.
///
/// ```swift
/// struct Movie: Codable { var title: String; var year: Int; var tags: [String] }
/// let bytes = try JSONValueEncoder().encodeToBytes(Movie(title: "Heat", year: 1995, tags: []))
/// // {"tags":[],"title":"Heat","year":1995}
/// ```
///
/// The output is canonical, so equal values give equal bytes, whichever process encodes them:
/// - **object members are sorted** by the UTF-8 bytes of their keys (which is Unicode code point
///   order). Insertion order would follow declaration order for structs but a per-process random
///   order for dictionaries, whose iteration order depends on a seeded hash;
/// - a key encoded twice in one container keeps the last value;
/// - numbers are written by ``JSONValue/serialized()``: the shortest text that reads back to the
///   same `Double`.
///
/// Numbers follow JSON's model, `Double`: integers of any width encode when their magnitude is at
/// most 2^53 − 1 (the range a `Double` holds exactly); larger ones throw instead of silently
/// rounding. `Float`s are written as their shortest decimal text. Non-finite floating-point values
/// throw (Foundation's default). Dictionaries keyed by `String` or `Int` (or any
/// `CodingKeyRepresentable` key) become objects, others arrays of alternating keys and values, as
/// the standard library's `Dictionary` conformance decides; `[UInt8]` becomes an array of
/// numbers. There is no `Date`, `Data` or `URL` support: those types live in Foundation, which
/// this module does not import. Encode a date as a number or string of your choice.
public struct JSONValueEncoder: Sendable {
    /// What an optional member that is `nil` becomes.
    public enum NilEncodingStrategy: Sendable, Hashable {
        /// The member is written with the value `null` (the default).
        case encodeNull
        /// The member is left out, as Foundation's `JSONEncoder` does.
        case omitKey
    }

    // MARK: Options

    /// What `encodeIfPresent` writes for `nil`, which is how synthesized conformances encode
    /// optional properties. Default: ``NilEncodingStrategy/encodeNull``, because a FILTER
    /// expression that names a missing member fails the whole element (`.genre == null or
    /// .year > 1990` matches nothing when `genre` is absent), while a `null` member compares as
    /// null. Choose ``NilEncodingStrategy/omitKey`` for smaller records or Foundation's output.
    public var nilEncodingStrategy: NilEncodingStrategy = .encodeNull

    /// Values handed to every `encode(to:)` as `encoder.userInfo`. Default: empty.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// Creates an encoder with the default options.
    public init() {}

    // MARK: Encoding

    /// Encodes a value as a JSON value.
    ///
    /// - Parameter value: The value to encode.
    /// - Returns: The value's JSON form, object members sorted by key.
    /// - Throws: `EncodingError.invalidValue` for a non-finite `Double` or `Float`, an integer
    ///   beyond ±(2^53 − 1), or a top-level value that encodes nothing; otherwise whatever the
    ///   value's `encode(to:)` throws.
    /// - Complexity: O(*n* log *n*) in the size of the output (sorting the members).
    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let encoder = JSONValueEncoding(options: self, path: .root)
        if let node = try encoder.primitive(value, path: .root) {
            return node
        }
        try value.encode(to: encoder)
        guard let node = encoder.node else {
            throw EncodingError.invalidValue(
                value,
                EncodingError.Context(
                    codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
        }
        return node.jsonValue
    }

    /// Encodes a value as compact JSON text.
    ///
    /// The text is ``encode(_:)``'s value ``JSONValue/serialized()``: UTF-8, no whitespace,
    /// object members sorted by key; ``JSONValueDecoder`` and ``JSONValue/init(parsing:)`` read
    /// it back.
    ///
    /// - Parameter value: The value to encode.
    /// - Returns: The UTF-8 bytes of the text.
    /// - Throws: As ``encode(_:)``.
    /// - Complexity: O(*n* log *n*) in the size of the output.
    public func encodeToBytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        try encode(value).serialized()
    }
}

/// The `Encoder` handed to `encode(to:)`: it is also its own single-value container.
///
/// Containers write into reference-typed nodes (``EncodedObject``, ``EncodedArray``), because a
/// container handed out earlier can still be written to after a sibling was created.
final class JSONValueEncoding: Encoder, SingleValueEncodingContainer {
    let options: JSONValueEncoder
    let path: JSONCodingPath
    /// Where the value goes when this encoder was made by `superEncoder`: a slot that already
    /// holds a placeholder in the parent container. `nil` for other encoders, whose parent reads
    /// ``node`` after `encode(to:)` returns.
    private let slot: Slot?

    enum Slot {
        case member(EncodedObject, String)
        case element(EncodedArray, Int)
    }

    /// What was encoded so far; `nil` until a container is requested or a value encoded.
    private(set) var node: EncodedNode? {
        didSet {
            switch slot {
            case .member(let object, let key)?: object.set(node!, forKey: key)
            case .element(let array, let index)?: array.elements[index] = node!
            case nil: break
            }
        }
    }

    init(options: JSONValueEncoder, path: JSONCodingPath, slot: Slot? = nil) {
        self.options = options
        self.path = path
        self.slot = slot
    }

    var codingPath: [any CodingKey] { path.array }

    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: EncodedObject
        if case .object(let existing)? = node {
            object = existing
        } else {
            object = EncodedObject()
            node = .object(object)
        }
        return KeyedEncodingContainer(JSONKeyedEncodingContainer<Key>(object: object, encoder: self, path: path))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: EncodedArray
        if case .array(let existing)? = node {
            array = existing
        } else {
            array = EncodedArray()
            node = .array(array)
        }
        return JSONUnkeyedEncodingContainer(array: array, encoder: self, path: path)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    // MARK: Boxing values

    /// The JSON value of a value whose type this encoder writes directly (numbers, strings,
    /// booleans), or `nil` for any other type.
    ///
    /// Comparing metatypes is a pointer comparison, far cheaper than a dynamic cast, and keeps
    /// `[Int]` or `[String: String]` from creating an encoder per element.
    @inline(__always)
    func primitive<T: Encodable>(_ value: T, path: @autoclosure () -> JSONCodingPath) throws -> JSONValue? {
        if T.self == String.self { return .string(unsafeBitCast(value, to: String.self)) }
        if T.self == Int.self { return try integer(unsafeBitCast(value, to: Int.self), path) }
        if T.self == Double.self { return try double(unsafeBitCast(value, to: Double.self), path) }
        if T.self == Bool.self { return .bool(unsafeBitCast(value, to: Bool.self)) }
        if T.self == Int64.self { return try integer(unsafeBitCast(value, to: Int64.self), path) }
        if T.self == UInt8.self { return .number(Double(unsafeBitCast(value, to: UInt8.self))) }
        if T.self == Float.self { return try float(unsafeBitCast(value, to: Float.self), path) }
        if T.self == Int32.self { return .number(Double(unsafeBitCast(value, to: Int32.self))) }
        if T.self == UInt.self { return try integer(unsafeBitCast(value, to: UInt.self), path) }
        if T.self == UInt64.self { return try integer(unsafeBitCast(value, to: UInt64.self), path) }
        if T.self == UInt32.self { return .number(Double(unsafeBitCast(value, to: UInt32.self))) }
        if T.self == Int16.self { return .number(Double(unsafeBitCast(value, to: Int16.self))) }
        if T.self == UInt16.self { return .number(Double(unsafeBitCast(value, to: UInt16.self))) }
        if T.self == Int8.self { return .number(Double(unsafeBitCast(value, to: Int8.self))) }
        return nil
    }

    /// The node for any value, at `path` (the value's own path).
    func box<T: Encodable>(_ value: T, path: @autoclosure () -> JSONCodingPath) throws -> EncodedNode {
        if let primitive = try primitive(value, path: path()) { return .value(primitive) }
        let encoder = JSONValueEncoding(options: options, path: path())
        try value.encode(to: encoder)
        return encoder.node ?? .object(EncodedObject())  // a value that encodes nothing is `{}`, as in Foundation
    }

    func integer<I: FixedWidthInteger>(_ value: I, _ path: () -> JSONCodingPath) throws -> JSONValue {
        guard let number = JSONNumberConversion.number(value) else {
            throw EncodingError.invalidValue(
                value,
                EncodingError.Context(
                    codingPath: path().array,
                    debugDescription:
                        "Unable to encode \(I.self) exactly in JSON: its magnitude exceeds 2^53 - 1, beyond which JSON "
                        + "numbers (doubles) do not hold integers exactly; encode it as a string."))
        }
        return .number(number)
    }

    func double(_ value: Double, _ path: () -> JSONCodingPath) throws -> JSONValue {
        guard value.isFinite else { throw Self.nonFinite(value, "Double", path().array) }
        return .number(value)
    }

    func float(_ value: Float, _ path: () -> JSONCodingPath) throws -> JSONValue {
        guard value.isFinite else { throw Self.nonFinite(value, "Float", path().array) }
        return .number(JSONNumberConversion.number(value))
    }

    private static func nonFinite<F: BinaryFloatingPoint>(
        _ value: F, _ typeName: String, _ path: [any CodingKey]
    ) -> EncodingError {
        let spelling = value.isNaN ? "nan" : value < 0 ? "-infinity" : "infinity"
        return EncodingError.invalidValue(
            value,
            EncodingError.Context(
                codingPath: path,
                debugDescription: "Unable to encode \(typeName).\(spelling) in JSON: JSON numbers must be finite."))
    }

    // MARK: SingleValueEncodingContainer

    func encodeNil() { node = .value(.null) }
    func encode(_ value: Bool) { node = .value(.bool(value)) }
    func encode(_ value: String) { node = .value(.string(value)) }
    func encode(_ value: Double) throws { node = .value(try double(value, { path })) }
    func encode(_ value: Float) throws { node = .value(try float(value, { path })) }
    func encode(_ value: Int) throws { node = .value(try integer(value, { path })) }
    func encode(_ value: Int8) { node = .value(.number(Double(value))) }
    func encode(_ value: Int16) { node = .value(.number(Double(value))) }
    func encode(_ value: Int32) { node = .value(.number(Double(value))) }
    func encode(_ value: Int64) throws { node = .value(try integer(value, { path })) }
    func encode(_ value: UInt) throws { node = .value(try integer(value, { path })) }
    func encode(_ value: UInt8) { node = .value(.number(Double(value))) }
    func encode(_ value: UInt16) { node = .value(.number(Double(value))) }
    func encode(_ value: UInt32) { node = .value(.number(Double(value))) }
    func encode(_ value: UInt64) throws { node = .value(try integer(value, { path })) }

    func encode<T: Encodable>(_ value: T) throws {
        if let primitive = try primitive(value, path: path) {
            node = .value(primitive)
            return
        }
        // The value encodes into this same encoder (its containers reuse `node`), as Foundation does.
        try value.encode(to: self)
        if node == nil { node = .object(EncodedObject()) }
    }

    // MARK: superEncoder

    /// An encoder for the slot `slot`, which must already hold a placeholder.
    func superEncoder(path: JSONCodingPath, slot: Slot) -> JSONValueEncoding {
        JSONValueEncoding(options: options, path: path, slot: slot)
    }
}
