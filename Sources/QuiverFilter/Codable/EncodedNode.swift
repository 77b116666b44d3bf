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

/// The members of an object being encoded.
///
/// Writes only append: a key written again appears again, and ``sortedObject()`` keeps its last
/// value. Deduplicating at each write cost a lookup per member, which was 44% of the time to
/// encode a 20-field struct (linear search, or hashing past 16 members); sorting puts equal keys
/// side by side anyway.
final class EncodedObject {
    /// Members in write order.
    ///
    /// Exclusivity is not checked at run time: the object is reachable only from the containers
    /// of one `encode` call, which `Encoder`'s non-`Sendable` contract keeps on one thread, and
    /// every access is a single append or read. The checks cost 12% of encoding a struct.
    @exclusivity(unchecked) private var members: [Member] = []

    init() { members.reserveCapacity(8) }

    /// The value last written for `key`, or `nil`.
    ///
    /// - Complexity: O(*n*) in the members written so far; only reopening a nested container
    ///   asks.
    func node(forKey key: String) -> EncodedNode? {
        members.last { JSONKeyBytes.equal($0.key, key) }?.node
    }

    /// Sets the value of `key`, replacing any earlier one.
    func set(_ node: EncodedNode, forKey key: String) { members.append(Member(key: key, node: node)) }

    /// The members as a ``JSONObject``, sorted by the UTF-8 bytes of their keys, each key once
    /// with the value written last.
    ///
    /// - Complexity: O(*n* log *n*) in the number of members written.
    func sortedObject() -> JSONObject {
        let members = self.members
        var order: [Entry] = []
        order.reserveCapacity(members.count)
        for i in members.indices { order.append(Entry(fingerprint: JSONKeyFingerprint(members[i].key), index: i)) }
        order.sort { a, b in
            switch JSONKeyFingerprint.compare(a.fingerprint, b.fingerprint) {
            case .less: return true
            case .greater: return false
            case .equal: return a.index < b.index  // the later write sorts last
            case .undecided:
                let x = members[a.index].key.utf8
                let y = members[b.index].key.utf8
                if x.elementsEqual(y) { return a.index < b.index }
                return x.lexicographicallyPrecedes(y)
            }
        }
        var result: [JSONObject.Member] = []
        result.reserveCapacity(order.count)
        for j in order.indices {
            let entry = order[j]
            if j + 1 < order.count {
                let next = order[j + 1]
                if JSONKeyBytes.equal(
                    members[next.index].key, next.fingerprint, members[entry.index].key, entry.fingerprint)
                {
                    continue  // a later write of the same key follows
                }
            }
            let member = members[entry.index]
            result.append(JSONObject.Member(key: member.key, value: member.node.jsonValue))
        }
        return JSONObject(result)
    }

    private struct Entry {
        var fingerprint: JSONKeyFingerprint
        var index: Int
    }

    private struct Member {
        var key: String
        var node: EncodedNode
    }
}
