/// The keyed container ``JSONValueEncoding`` hands out: writes members into an
/// ``EncodedObject``.
struct JSONKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: EncodedObject
    let encoder: JSONValueEncoding
    /// The container's own path; a member's path appends its key.
    let path: JSONCodingPath

    var codingPath: [any CodingKey] { path.array }

    private var encodesNilMembers: Bool { encoder.options.nilEncodingStrategy == .encodeNull }

    @inline(__always)
    private func set(_ value: JSONValue, _ key: Key) { object.set(.value(value), forKey: key.stringValue) }

    mutating func encodeNil(forKey key: Key) { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        set(try encoder.double(value, { path.appending(key) }), key)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        set(try encoder.float(value, { path.appending(key) }), key)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws {
        set(try encoder.integer(value, { path.appending(key) }), key)
    }
    mutating func encode(_ value: Int8, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws {
        set(try encoder.integer(value, { path.appending(key) }), key)
    }
    mutating func encode(_ value: UInt, forKey key: Key) throws {
        set(try encoder.integer(value, { path.appending(key) }), key)
    }
    mutating func encode(_ value: UInt8, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        set(try encoder.integer(value, { path.appending(key) }), key)
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        object.set(try encoder.box(value, path: path.appending(key)), forKey: key.stringValue)
    }

    // MARK: encodeIfPresent (nil follows the encoder's NilEncodingStrategy)

    @inline(__always)
    private mutating func encodeNilMember(_ key: Key) { if encodesNilMembers { set(.null, key) } }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws {
        if let value { encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws {
        if let value { encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
        if let value { encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws {
        if let value { encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws {
        if let value { encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws {
        if let value { encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { encodeNilMember(key) }
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { encodeNilMember(key) }
    }

    // MARK: Nested containers

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested: EncodedObject
        if case .object(let existing)? = object.node(forKey: key.stringValue) {
            nested = existing  // reopening a member's container adds to it, as in Foundation
        } else {
            nested = EncodedObject()
            object.set(.object(nested), forKey: key.stringValue)
        }
        return KeyedEncodingContainer(
            JSONKeyedEncodingContainer<NestedKey>(object: nested, encoder: encoder, path: path.appending(key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested: EncodedArray
        if case .array(let existing)? = object.node(forKey: key.stringValue) {
            nested = existing
        } else {
            nested = EncodedArray()
            object.set(.array(nested), forKey: key.stringValue)
        }
        return JSONUnkeyedEncodingContainer(array: nested, encoder: encoder, path: path.appending(key))
    }

    mutating func superEncoder() -> any Encoder { superEncoder(key: JSONCodingKey.super) }

    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(key: key) }

    private func superEncoder(key: some CodingKey) -> any Encoder {
        object.set(.object(EncodedObject()), forKey: key.stringValue)  // what stays if nothing is encoded
        return encoder.superEncoder(path: path.appending(key), slot: .member(object, key.stringValue))
    }
}

/// The unkeyed container ``JSONValueEncoding`` hands out: appends elements to an
/// ``EncodedArray``.
struct JSONUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let array: EncodedArray
    let encoder: JSONValueEncoding
    /// The container's own path; an element's path appends its index.
    let path: JSONCodingPath

    var codingPath: [any CodingKey] { path.array }

    var count: Int { array.elements.count }

    @inline(__always)
    private func append(_ value: JSONValue) { array.elements.append(.value(value)) }

    private var elementPath: JSONCodingPath { path.appending(index: count) }

    mutating func encodeNil() { append(.null) }
    mutating func encode(_ value: Bool) { append(.bool(value)) }
    mutating func encode(_ value: String) { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(try encoder.double(value, { elementPath })) }
    mutating func encode(_ value: Float) throws { append(try encoder.float(value, { elementPath })) }
    mutating func encode(_ value: Int) throws { append(try encoder.integer(value, { elementPath })) }
    mutating func encode(_ value: Int8) { append(.number(Double(value))) }
    mutating func encode(_ value: Int16) { append(.number(Double(value))) }
    mutating func encode(_ value: Int32) { append(.number(Double(value))) }
    mutating func encode(_ value: Int64) throws { append(try encoder.integer(value, { elementPath })) }
    mutating func encode(_ value: UInt) throws { append(try encoder.integer(value, { elementPath })) }
    mutating func encode(_ value: UInt8) { append(.number(Double(value))) }
    mutating func encode(_ value: UInt16) { append(.number(Double(value))) }
    mutating func encode(_ value: UInt32) { append(.number(Double(value))) }
    mutating func encode(_ value: UInt64) throws { append(try encoder.integer(value, { elementPath })) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        array.elements.append(try encoder.box(value, path: elementPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodedObject()
        let nestedPath = elementPath
        array.elements.append(.object(nested))
        return KeyedEncodingContainer(
            JSONKeyedEncodingContainer<NestedKey>(object: nested, encoder: encoder, path: nestedPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = EncodedArray()
        let nestedPath = elementPath
        array.elements.append(.array(nested))
        return JSONUnkeyedEncodingContainer(array: nested, encoder: encoder, path: nestedPath)
    }

    mutating func superEncoder() -> any Encoder {
        let index = count
        array.elements.append(.object(EncodedObject()))  // what stays if nothing is encoded
        return encoder.superEncoder(path: path.appending(index: index), slot: .element(array, index))
    }
}
