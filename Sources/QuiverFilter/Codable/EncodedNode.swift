/// A value under construction by ``JSONValueEncoding``: finished JSON, or an array or object
/// that containers may still write to.
enum EncodedNode {
    case value(JSONValue)
    case array(EncodedArray)
    case object(EncodedObject)

    /// The finished value, object members sorted by the UTF-8 bytes of their keys.
    var jsonValue: JSONValue {
        switch self {
        case .value(let value): value
        case .array(let array): .array(array.elements.map(\.jsonValue))
        case .object(let object): .object(object.sortedObject())
        }
    }
}

/// The elements of an array being encoded.
final class EncodedArray {
    var elements: [EncodedNode] = []
}

/// The members of an object being encoded, keys unique (writing a key again replaces its value).
final class EncodedObject {
    private var keys: [String] = []
    private var values: [EncodedNode] = []
    /// Positions by key, built once the object outgrows a linear search (large dictionaries).
    private var positions: [String: Int]? = nil

    /// Objects up to this many members are searched linearly: struct keys are short, mostly
    /// small (inline) strings whose comparison is a few word compares, cheaper than hashing.
    private static let linearSearchLimit = 16

    init() {
        keys.reserveCapacity(8)
        values.reserveCapacity(8)
    }

    /// The position of `key`, or `nil`.
    private func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        for i in keys.indices where keys[i] == key { return i }
        return nil
    }

    /// The value of `key`, or `nil`.
    func node(forKey key: String) -> EncodedNode? {
        position(of: key).map { values[$0] }
    }

    /// Sets the value of `key`, replacing any earlier one.
    func set(_ node: EncodedNode, forKey key: String) {
        if let i = position(of: key) {
            values[i] = node
            return
        }
        keys.append(key)
        values.append(node)
        if positions != nil {
            positions![key] = keys.count - 1
        } else if keys.count > Self.linearSearchLimit {
            var index: [String: Int] = [:]
            index.reserveCapacity(keys.count * 2)
            for (i, key) in keys.enumerated() { index[key] = i }
            positions = index
        }
    }

    /// The members as a ``JSONObject``, sorted by the UTF-8 bytes of their keys.
    ///
    /// - Complexity: O(*n* log *n*) in the number of members.
    func sortedObject() -> JSONObject {
        var order = Array(keys.indices)
        order.sort { Self.utf8Precedes(keys[$0], keys[$1]) }
        var members: [JSONObject.Member] = []
        members.reserveCapacity(keys.count)
        for i in order { members.append(JSONObject.Member(key: keys[i], value: values[i].jsonValue)) }
        return JSONObject(members)
    }

    /// Whether `a`'s UTF-8 bytes sort before `b`'s (`String`'s own `<` compares by canonical
    /// equivalence instead, which is not byte order).
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { a in
            b.utf8.withContiguousStorageIfAvailable { b in
                let common = min(a.count, b.count)
                var i = 0
                while i < common {
                    if a[i] != b[i] { return a[i] < b[i] }
                    i += 1
                }
                return a.count < b.count
            }
        }
        if let result = fast ?? nil { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
