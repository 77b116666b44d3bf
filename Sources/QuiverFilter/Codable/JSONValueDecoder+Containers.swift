/// The keyed container ``JSONValueDecoding`` hands out, over one object's members.
struct JSONKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let table: JSONMemberTable
    /// The decoder of the object; its path is the container's, and a member's path appends
    /// its key.
    let decoder: JSONValueDecoding

    private var path: JSONCodingPath { decoder.path }

    var codingPath: [any CodingKey] { path.array }

    var allKeys: [Key] { table.uniqueKeys.compactMap { Key(stringValue: $0) } }

    /// The value of the first member named `key`, or `nil`.
    @inline(__always)
    private func find(_ key: Key) -> JSONValue? { table.value(forKey: key.stringValue) }

    /// The value of `key`, which must be present.
    @inline(__always)
    private func require(_ key: Key) throws -> JSONValue {
        guard let value = find(key) else {
            throw DecodingError.keyNotFound(
                key,
                DecodingError.Context(
                    codingPath: path.array,
                    debugDescription: "No value associated with key \(key) (\"\(key.stringValue)\")."))
        }
        return value
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try require(key) { return true }
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try decoder.bool(try require(key), { path.appending(key) })
    }
    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try decoder.string(try require(key), { path.appending(key) })
    }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try decoder.double(try require(key), { path.appending(key) })
    }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try decoder.float(try require(key), { path.appending(key) })
    }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(type, key) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.unbox(type, from: try require(key), path: path.appending(key))
    }

    @inline(__always)
    private func integer<I: FixedWidthInteger>(_ type: I.Type, _ key: Key) throws -> I {
        try decoder.integer(try require(key), type, { path.appending(key) })
    }

    // MARK: decodeIfPresent (one lookup instead of the default contains + decodeNil + decode)

    /// The value of `key` unless it is missing or `null`.
    @inline(__always)
    private func present(_ key: Key) -> JSONValue? {
        switch find(key) {
        case nil, .null?: nil
        case let value?: value
        }
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try present(key).map { try decoder.bool($0, { path.appending(key) }) }
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try present(key).map { try decoder.string($0, { path.appending(key) }) }
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try present(key).map { try decoder.double($0, { path.appending(key) }) }
    }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
        try present(key).map { try decoder.float($0, { path.appending(key) }) }
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? {
        try integerIfPresent(type, key)
    }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? {
        try integerIfPresent(type, key)
    }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
        try integerIfPresent(type, key)
    }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try present(key).map { try decoder.unbox(type, from: $0, path: path.appending(key)) }
    }

    @inline(__always)
    private func integerIfPresent<I: FixedWidthInteger>(_ type: I.Type, _ key: Key) throws -> I? {
        try present(key).map { try decoder.integer($0, type, { path.appending(key) }) }
    }

    // MARK: Nested containers

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try JSONValueDecoding(value: try require(key), path: path.appending(key), options: decoder.options)
            .container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try JSONValueDecoding(value: try require(key), path: path.appending(key), options: decoder.options)
            .unkeyedContainer()
    }

    /// A decoder for the member `super`; `null` when there is none, as in Foundation.
    func superDecoder() throws -> any Decoder {
        let key = JSONCodingKey.super
        let value = table.value(forKey: key.stringValue) ?? .null
        return JSONValueDecoding(value: value, path: path.appending(key), options: decoder.options)
    }

    /// A decoder for the member `key`; `null` when there is none, as in Foundation.
    func superDecoder(forKey key: Key) throws -> any Decoder {
        JSONValueDecoding(value: find(key) ?? .null, path: path.appending(key), options: decoder.options)
    }
}

/// The unkeyed container ``JSONValueDecoding`` hands out, over one array's elements.
struct JSONUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let decoder: JSONValueDecoding
    /// The container's own path; an element's path appends its index.
    let path: JSONCodingPath

    private(set) var currentIndex = 0

    init(elements: [JSONValue], decoder: JSONValueDecoding, path: JSONCodingPath) {
        self.elements = elements
        self.decoder = decoder
        self.path = path
    }

    var codingPath: [any CodingKey] { path.array }

    var count: Int? { elements.count }

    var isAtEnd: Bool { currentIndex >= elements.count }

    private var elementPath: JSONCodingPath { path.appending(index: currentIndex) }

    /// The current element, which must exist; the index moves only once it decoded.
    @inline(__always)
    private func current(_ type: Any.Type) throws -> JSONValue {
        guard currentIndex < elements.count else {
            throw DecodingError.valueNotFound(
                type,
                DecodingError.Context(
                    codingPath: path.array(appending: currentIndex), debugDescription: "Unkeyed container is at end."))
        }
        return elements[currentIndex]
    }

    @inline(__always)
    private mutating func next<T>(_ type: T.Type, _ read: (JSONValue, () -> JSONCodingPath) throws -> T) throws -> T {
        let value = try read(try current(type), { elementPath })
        currentIndex += 1
        return value
    }

    mutating func decodeNil() throws -> Bool {
        if case .null = try current(Any?.self) {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type, decoder.bool) }
    mutating func decode(_ type: String.Type) throws -> String { try next(type, decoder.string) }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(type, decoder.double) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next(type, decoder.float) }
    mutating func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let value = try decoder.unbox(type, from: try current(type), path: elementPath)
        currentIndex += 1
        return value
    }

    @inline(__always)
    private mutating func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        let decoder = decoder
        return try next(type) { value, path in try decoder.integer(value, type, path) }
    }

    // MARK: Nested containers

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let container = try elementDecoder(KeyedDecodingContainer<NestedKey>.self).container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let container = try elementDecoder((any UnkeyedDecodingContainer).self).unkeyedContainer()
        currentIndex += 1
        return container
    }

    /// A decoder for the next element.
    mutating func superDecoder() throws -> any Decoder {
        let decoder = try elementDecoder((any Decoder).self)
        currentIndex += 1
        return decoder
    }

    private func elementDecoder(_ type: Any.Type) throws -> JSONValueDecoding {
        JSONValueDecoding(value: try current(type), path: elementPath, options: decoder.options)
    }
}
