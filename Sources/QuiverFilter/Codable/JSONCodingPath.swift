/// A coding path as a linked list, so that descending one level costs one small allocation
/// instead of copying an array; ``array`` builds the `[any CodingKey]` only when something asks
/// (an error, or a type that reads `codingPath`).
indirect enum JSONCodingPath {
    case root
    case key(any CodingKey, JSONCodingPath)
    case index(Int, JSONCodingPath)

    func appending(_ key: some CodingKey) -> JSONCodingPath { .key(key, self) }

    func appending(index: Int) -> JSONCodingPath { .index(index, self) }

    var array: [any CodingKey] {
        var keys: [any CodingKey] = []
        var node = self
        while true {
            switch node {
            case .root: return keys.reversed()
            case .key(let key, let parent):
                keys.append(key)
                node = parent
            case .index(let index, let parent):
                keys.append(JSONCodingKey(index: index))
                node = parent
            }
        }
    }

    /// The path extended by `key`, as an array.
    func array(appending key: some CodingKey) -> [any CodingKey] { array + [key] }

    /// The path extended by `index`, as an array.
    func array(appending index: Int) -> [any CodingKey] { array + [JSONCodingKey(index: index)] }
}

/// The keys the encoder and decoder make up: array positions, `super`, and members of objects
/// decoded without a key type.
struct JSONCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }

    /// An array position, spelled `Index <n>` as Foundation's coders spell it.
    init(index: Int) {
        self.stringValue = "Index \(index)"
        self.intValue = index
    }

    static let `super` = JSONCodingKey(stringValue: "super")
}
