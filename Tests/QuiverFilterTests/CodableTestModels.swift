import QuiverFilter

// Models shared by JSONValueEncoderTests and JSONValueDecoderTests: everything Codable
// synthesizes, plus hand-written conformances that reach the rarer container APIs.

struct Library: Codable, Equatable {
    struct Address: Codable, Equatable {
        var street: String
        var city: String
        var zip: String?
        var floor: Int8
    }

    struct Book: Codable, Equatable {
        var title: String
        var isbn: UInt64
        var pages: UInt16
        var price: Double?
        var authors: [String]
        var format: Format
    }

    enum Format: String, Codable, Equatable { case hardcover, paperback, ebook = "e-book" }

    enum Priority: Int, Codable, Equatable { case low = 1, normal = 5, high = 10 }

    enum Event: Codable, Equatable {
        case opened(at: Int64)
        case closed(reason: String, permanent: Bool)
        case renovated
        case moved(Address, Int)
        case rated(Float?)
    }

    struct Empty: Codable, Equatable {}

    var name: String
    var founded: Int16
    var rating: Double
    var ratio: Float
    var isOpen: Bool
    var address: Address
    var branch: Address?
    var nickname: String?
    var books: [Book]
    var shelves: [String: [String]]
    var countsByFloor: [Int: UInt8]
    var checksum: [UInt8]
    var priority: Priority
    var events: [Event]
    var matrix: [[Int?]]
    var nothing: Empty
    var small: Int32
    var unsigned: UInt
    var unsigned32: UInt32
    var tiny: UInt8

    static let sample = Library(
        name: "Bibliothèque \"centrale\"\n\u{0}😀", founded: -1200, rating: 4.25, ratio: 0.1, isOpen: true,
        address: Address(street: "Rue de Rivoli", city: "Paris", zip: "75001", floor: -2),
        branch: nil, nickname: nil,
        books: [
            Book(
                title: "Dune", isbn: 9_780_441_013_593, pages: 412, price: 9.99, authors: ["Frank Herbert"],
                format: .paperback),
            Book(title: "", isbn: 0, pages: 0, price: nil, authors: [], format: .ebook),
        ],
        shelves: ["sci-fi": ["Dune", "Hyperion"], "": [], "é": ["x"]],
        countsByFloor: [-1: 3, 0: 255, 12: 0],
        checksum: [0, 1, 127, 128, 255],
        priority: .high,
        events: [
            .opened(at: -9_007_199_254_740_991), .closed(reason: "flood", permanent: false), .renovated,
            .moved(Address(street: "", city: "Lyon", zip: nil, floor: 0), 7), .rated(nil), .rated(2.5),
        ],
        matrix: [[1, nil, 3], [], [nil]],
        nothing: Empty(), small: .min, unsigned: 9_007_199_254_740_991, unsigned32: .max, tiny: 7)
}

/// A class hierarchy that encodes its superclass through `superEncoder()` and
/// `superEncoder(forKey:)`, as Apple's documentation recommends.
class Animal: Codable, Equatable {
    var name: String
    init(name: String) { self.name = name }

    static func == (a: Animal, b: Animal) -> Bool { type(of: a) == type(of: b) && a.isEqual(to: b) }
    func isEqual(to other: Animal) -> Bool { name == other.name }
}

final class Dog: Animal {
    var breed: String
    init(name: String, breed: String) {
        self.breed = breed
        super.init(name: name)
    }

    private enum CodingKeys: String, CodingKey { case breed, parent }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        breed = try container.decode(String.self, forKey: .breed)
        try super.init(from: container.superDecoder(forKey: .parent))
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(breed, forKey: .breed)
        try super.encode(to: container.superEncoder(forKey: .parent))
    }

    override func isEqual(to other: Animal) -> Bool {
        guard let other = other as? Dog else { return false }
        return breed == other.breed && super.isEqual(to: other)
    }
}

final class Cat: Animal {
    var lives: Int
    init(name: String, lives: Int) {
        self.lives = lives
        super.init(name: name)
    }

    private enum CodingKeys: String, CodingKey { case lives }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        lives = try container.decode(Int.self, forKey: .lives)
        try super.init(from: container.superDecoder())
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(lives, forKey: .lives)
        try super.encode(to: container.superEncoder())
    }

    override func isEqual(to other: Animal) -> Bool {
        guard let other = other as? Cat else { return false }
        return lives == other.lives && super.isEqual(to: other)
    }
}

/// Hand-written conformance through an unkeyed container: nested containers, `superEncoder()`,
/// `decodeNil()`, `isAtEnd`.
struct Packed: Codable, Equatable {
    var id: Int
    var label: String?
    var point: (x: Double, y: Double)
    var tags: [String]
    var owner: Animal

    static func == (a: Packed, b: Packed) -> Bool {
        a.id == b.id && a.label == b.label && a.point == b.point && a.tags == b.tags && a.owner == b.owner
    }

    private enum PointKeys: String, CodingKey { case x, y }
    private enum OwnerKeys: String, CodingKey { case breed }

    init(id: Int, label: String?, point: (x: Double, y: Double), tags: [String], owner: Animal) {
        self.id = id
        self.label = label
        self.point = point
        self.tags = tags
        self.owner = owner
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(id)
        if let label { try container.encode(label) } else { try container.encodeNil() }
        var point = container.nestedContainer(keyedBy: PointKeys.self)
        try point.encode(self.point.x, forKey: .x)
        try point.encode(self.point.y, forKey: .y)
        var tags = container.nestedUnkeyedContainer()
        for tag in self.tags { try tags.encode(tag) }
        try owner.encode(to: container.superEncoder())
    }

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        id = try container.decode(Int.self)
        label = try container.decodeNil() ? nil : try container.decode(String.self)
        let point = try container.nestedContainer(keyedBy: PointKeys.self)
        self.point = (try point.decode(Double.self, forKey: .x), try point.decode(Double.self, forKey: .y))
        var tags = try container.nestedUnkeyedContainer()
        var collected: [String] = []
        while !tags.isAtEnd { collected.append(try tags.decode(String.self)) }
        self.tags = collected
        let ownerDecoder = try container.superDecoder()
        let probe = try ownerDecoder.container(keyedBy: OwnerKeys.self)
        owner = probe.contains(.breed) ? try Dog(from: ownerDecoder) : try Cat(from: ownerDecoder)
        guard container.isAtEnd else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "trailing elements")
        }
    }
}

/// The coding path as its keys' strings, for comparisons.
func pathStrings(_ path: [any CodingKey]) -> [String] { path.map(\.stringValue) }
