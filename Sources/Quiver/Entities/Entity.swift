/// Names an entity: its type (`"character"`, `"paper"`) and its id within the type.
public struct EntityRef: Sendable, Hashable, CustomStringConvertible {
    /// The entity's type.
    public var type: String
    /// Its id, unique within the type.
    public var id: String

    /// A reference to entity `id` of `type`.
    public init(type: String, id: String) {
        self.type = type
        self.id = id
    }

    /// `type/id`.
    public var description: String { "\(type)/\(id)" }
}

/// A record of the application's own: a character, a location, a paper. Its attributes are a JSON
/// object; declared attributes are indexed for listing by filter (``EntityTypeDefinition``).
public struct Entity: Sendable, Equatable {
    /// Which entity it is.
    public var ref: EntityRef
    /// Its attributes, a JSON object.
    public var attributes: JSONValue
    /// When it was first written, in wall-clock milliseconds since 1970.
    public var created: Int64
    /// When it was last written.
    public var updated: Int64

    /// The entity's type.
    public var type: String { ref.type }
    /// Its id.
    public var id: String { ref.id }

    /// Decodes the attributes as `T` (a `Codable` model of the entity).
    ///
    /// - Throws: `DecodingError` when the attributes do not fit `T`.
    public func decode<T: Decodable>(_: T.Type = T.self) throws -> T {
        try JSONValueDecoder().decode(T.self, from: attributes)
    }
}

/// An entity type and the attributes it indexes, declared with
/// ``EntityStore/define(_:)``. Listing by a filter uses an index when the filter's top-level
/// `and` terms compare an indexed attribute with a literal (`==`, `in`, `<`, `<=`, `>`, `>=`).
public struct EntityTypeDefinition: Sendable, Hashable {
    /// The type's name.
    public var name: String
    /// Top-level attributes to index (values that are strings, numbers, booleans, null, or flat
    /// arrays of them: an array is indexed by each element).
    public var indexedAttributes: [String]

    /// A type named `name` indexing `indexedAttributes`.
    public init(name: String, indexedAttributes: [String] = []) {
        self.name = name
        self.indexedAttributes = indexedAttributes
    }
}

/// A vector an entity owns in a collection: written and deleted with the entity, stored under a
/// key made from the entity's reference, with the entity's attributes (so searches can filter
/// on them).
public struct EntityEmbedding: Sendable, Hashable {
    /// The collection.
    public var collection: String
    /// The vector.
    public var vector: [Float]

    /// `vector` in `collection`.
    public init(collection: String, vector: [Float]) {
        self.collection = collection
        self.vector = vector
    }
}

/// One page of a listing, with the cursor of the next page.
public struct Page<Element: Sendable>: Sendable {
    /// The elements, in listing order.
    public var elements: [Element]
    /// Pass to the next call to continue after the last element; `nil` when nothing follows.
    public var nextCursor: String?
}

extension Page: Equatable where Element: Equatable {}
