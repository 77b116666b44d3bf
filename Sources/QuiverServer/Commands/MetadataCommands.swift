internal import Quiver
internal import QuiverRESP

/// Metadata commands over entities, notes and cache tables, the collections that hold their
/// embeddings, and the transactions that write them atomically (docs/protocol.md).
///
/// Every name a client gives (entity type, collection, cache table) lives in the namespace of
/// its connection's logical database (``MetadataNamespace``): `SELECT 3` then
/// `ENTITY.DEFINE character` declares type `db3.character`. Clients never see the prefix.
enum MetadataCommands {
    static let specs: [CommandSpec] =
        (CollectionCommands.specs + EntityCommands.specs + NoteCommands.specs + CacheCommands.specs).map(
            hidingNamespaces)
        + TransactionCommands.specs

    /// `spec` with the namespace prefix removed from its error replies: the database's messages
    /// name stored types and collections (`no collection named db3.emb`), clients know `emb`.
    static func hidingNamespaces(_ spec: CommandSpec) -> CommandSpec {
        let run = spec.run
        return CommandSpec(
            spec.name, arity: spec.arity, flags: spec.flags, keys: (spec.firstKey, spec.lastKey, spec.keyStep),
            group: spec.group,
            summary: spec.summary, since: spec.since, complexity: spec.complexity, subcommands: spec.subcommands
        ) { context throws(CommandError) in
            do throws(CommandError) { return try run(&context) } catch {
                let prefix = context.keyspace.namespacePrefix
                guard error.text.contains(prefix) else { throw error }
                throw CommandError(error.text.split(separator: prefix, omittingEmptySubsequences: false).joined())
            }
        }
    }
}

// MARK: - Namespaces

/// The names of one logical database's metadata: what a client calls `character` is stored as
/// `db<N>.character`.
struct MetadataNamespace {
    let prefix: String

    init(_ context: CommandContext) { prefix = context.keyspace.namespacePrefix }

    /// The stored name of the client's `name`.
    func qualify(_ name: String) -> String { prefix + name }

    /// The client's name for the stored `name`, `nil` when it is another namespace's.
    func local(_ name: String) -> String? {
        guard name.hasPrefix(prefix) else { return nil }
        return String(name.dropFirst(prefix.count))
    }

    /// Whether `ref` (stored type) belongs to this namespace.
    func owns(_ ref: EntityRef) -> Bool { ref.type.hasPrefix(prefix) }

    /// The client's view of stored `ref`.
    func local(_ ref: EntityRef) -> EntityRef { EntityRef(type: local(ref.type) ?? ref.type, id: ref.id) }
}

// MARK: - Arguments

/// Reads a command's arguments left to right: names, tokens, numbers, vectors.
struct MetadataArguments {
    let arguments: [[UInt8]]
    private(set) var index: Int

    init(_ context: CommandContext, from index: Int) {
        arguments = context.arguments
        self.index = index
    }

    var isAtEnd: Bool { index >= arguments.count }

    /// The next argument, or `ERR syntax error` when there is none.
    mutating func next() throws(CommandError) -> [UInt8] {
        guard index < arguments.count else { throw .syntax }
        defer { index += 1 }
        return arguments[index]
    }

    /// The next argument as UTF-8 text (`what` names it in the error).
    mutating func text(_ what: String = "argument") throws(CommandError) -> String {
        try Self.text(try next(), what)
    }

    /// The next argument as a name: UTF-8 without control characters, 1...200 bytes.
    mutating func name(_ what: String) throws(CommandError) -> String {
        try Self.name(try next(), what)
    }

    /// The next argument as an integer in `range`, or `ERR <what> must be ...`.
    mutating func integer(_ what: String, in range: ClosedRange<Int64>) throws(CommandError) -> Int {
        guard let value = CommandArguments.integer(try next()), range.contains(value) else {
            throw .err("\(what) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(value)
    }

    /// Whether the next argument is `token` (case-insensitive); consumes it when it is.
    mutating func take(_ token: StaticString) -> Bool {
        guard index < arguments.count, CommandArguments.matches(arguments[index], token) else { return false }
        index += 1
        return true
    }

    /// The next argument upper-cased, consumed; `nil` at the end.
    mutating func nextToken() -> String? {
        guard index < arguments.count else { return nil }
        defer { index += 1 }
        return CommandArguments.uppercased(arguments[index])
    }

    /// `FP32 blob` or `VALUES n v1 .. vn`, as VSIM reads them; `nil` (nothing consumed) when
    /// the next token is neither.
    mutating func vector() throws(CommandError) -> [Float]? {
        if take("FP32") {
            let blob = try next()
            guard !blob.isEmpty, blob.count % 4 == 0, blob.count / 4 <= 65536 else { throw Self.invalidVector }
            var vector = [Float](repeating: 0, count: blob.count / 4)
            for i in vector.indices {
                let bits =
                    UInt32(blob[4 * i]) | UInt32(blob[4 * i + 1]) << 8 | UInt32(blob[4 * i + 2]) << 16 | UInt32(
                        blob[4 * i + 3]) << 24
                vector[i] = Float(bitPattern: bits)
            }
            return try Self.finite(vector)
        }
        if take("VALUES") {
            guard let count = CommandArguments.integer(try next()), (1...65536).contains(count),
                index + Int(count) <= arguments.count
            else { throw Self.invalidVector }
            var vector: [Float] = []
            vector.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let value = CommandArguments.double(arguments[index]) else { throw Self.invalidVector }
                vector.append(Float(value))
                index += 1
            }
            return try Self.finite(vector)
        }
        return nil
    }

    static let invalidVector = CommandError.err("invalid vector specification")

    private static func finite(_ vector: [Float]) throws(CommandError) -> [Float] {
        guard vector.allSatisfy(\.isFinite) else { throw .err("vector components must be finite numbers") }
        return vector
    }

    static func text(_ bytes: [UInt8], _ what: String) throws(CommandError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .err("\(what) must be UTF-8 text") }
        return text
    }

    static func name(_ bytes: [UInt8], _ what: String) throws(CommandError) -> String {
        let text = try Self.text(bytes, what)
        guard (1...200).contains(bytes.count),
            !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw .err("\(what) must be 1...200 bytes without control characters")
        }
        return text
    }
}

// MARK: - Shared checks and replies

enum MetadataSupport {
    /// Compiles `source` as a FILTER expression, or the error VSIM replies.
    static func checkFilter(_ source: String) throws(CommandError) -> FilterExpression {
        do { return try FilterExpression(source) } catch { throw .err(error.message) }
    }

    /// The definition of the namespace's collection `name`, or `ERR no such collection`.
    static func collection(_ name: String, _ context: CommandContext) throws(CommandError) -> CollectionDefinition {
        let stored = MetadataNamespace(context).qualify(name)
        do { return try context.database.engine.snapshot().definition(of: stored) } catch {
            throw .err("no such collection '\(name)'")
        }
    }

    /// Throws unless `vector` fits `collection`.
    static func check(_ vector: [Float], fits definition: CollectionDefinition, named name: String) throws(CommandError)
    {
        guard vector.count == definition.index.dimension else {
            throw .err(
                "Vector dimension mismatch - got \(vector.count) but collection '\(name)' has \(definition.index.dimension)"
            )
        }
    }

    /// The stored name of the namespace's entity type `type`, or `ERR unknown entity type`.
    static func entityType(_ type: String, _ context: CommandContext) throws(CommandError) -> String {
        let stored = MetadataNamespace(context).qualify(type)
        guard context.database.entities.types.contains(where: { $0.name == stored }) else {
            throw .err("unknown entity type '\(type)' (declare it with ENTITY.DEFINE)")
        }
        return stored
    }

    /// Refuses commands that cannot be part of a write batch while `EXEC` runs.
    static func refuseInsideTransaction(_ context: CommandContext) throws(CommandError) {
        guard context.transaction == nil else {
            throw .err("\(context.commandName) cannot run inside MULTI: it is not part of a write batch")
        }
    }

    /// `K`, `EF` and `FILTER` of a search, in any order after the vector.
    struct SearchOptions {
        var k = 10
        var ef: Int?
        var filter: FilterExpression?
        var type: String?
    }

    static func searchOptions(
        _ arguments: inout MetadataArguments, allowType: Bool
    ) throws(CommandError) -> SearchOptions {
        var options = SearchOptions()
        while let token = arguments.nextToken() {
            switch token {
            case "K", "COUNT": options.k = try arguments.integer("K", in: 1...10_000)
            case "EF": options.ef = try arguments.integer("EF", in: 1...100_000)
            case "FILTER": options.filter = try checkFilter(try arguments.text("FILTER"))
            case "TYPE" where allowType: options.type = try arguments.name("entity type")
            default: throw .syntax
            }
        }
        return options
    }

    static func key(_ name: String) -> RESPValue { .bulkString(name) }

    /// Lower-case hex digits of `bytes`.
    static func hexEncoded(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes lower-case hex `text` spells, `nil` for anything else.
    static func hexDecoded(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let high = nibble(digits[i]), let low = nibble(digits[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    /// An entity: type, id, attributes (JSON text), created, updated (milliseconds since 1970).
    static func reply(_ entity: Entity, _ namespace: MetadataNamespace, distance: Float? = nil) -> RESPValue {
        var entries: [(key: RESPValue, value: RESPValue)] = [
            (key("type"), .bulkString(namespace.local(entity.type) ?? entity.type)),
            (key("id"), .bulkString(entity.id)),
            (key("attributes"), .bulkString(bytes: entity.attributes.serialized())),
            (key("created"), .integer(entity.created)),
            (key("updated"), .integer(entity.updated)),
        ]
        if let distance { entries.append((key("distance"), .double(Double(distance)))) }
        return .map(entries)
    }

    /// A note: id, type and id of its entity, body, tags, times, and its embedding's collection.
    static func reply(_ note: Note, _ namespace: MetadataNamespace, distance: Float? = nil) -> RESPValue {
        var entries: [(key: RESPValue, value: RESPValue)] = [
            (key("id"), .bulkString(note.id)),
            (key("type"), .bulkString(namespace.local(note.entity.type) ?? note.entity.type)),
            (key("entity"), .bulkString(note.entity.id)),
            (key("body"), .bulkString(note.body)),
            (key("tags"), .array(note.tags.map { .bulkString($0) })),
            (key("created"), .integer(note.created)),
            (key("updated"), .integer(note.updated)),
            (key("collection"), note.embeddingCollection.map { .bulkString(namespace.local($0) ?? $0) } ?? .null),
        ]
        if let distance { entries.append((key("distance"), .double(Double(distance)))) }
        return .map(entries)
    }

    /// A page: the next cursor (`0` at the end, as SCAN) and the elements.
    static func page(cursor: String?, _ elements: [RESPValue]) -> RESPValue {
        .array([.bulkString(cursor ?? "0"), .array(elements)])
    }

    /// A predicate over stored attributes that applies `filter` to what the client sees: notes'
    /// embeddings carry their entity's stored type, whose namespace prefix is removed first (and
    /// those of other namespaces never match).
    static func clientView(_ filter: FilterExpression?, _ namespace: MetadataNamespace) -> ([UInt8]?) -> Bool {
        { attributes in
            guard let attributes else { return filter == nil }
            let view: [UInt8]
            switch noteAttributes(attributes, namespace) {
            case nil: view = attributes
            case .some(nil): return false
            case .some(let local?): view = local
            }
            return filter?.matches(attributes: view) ?? true
        }
    }

    /// For a note embedding's attributes (`{"id", "note", "tags", "type"}`, as the database
    /// stores them), the attributes with `type` made local, or `.some(nil)` for a note of another
    /// namespace; `nil` for attributes that are not a note's.
    static func noteAttributes(_ attributes: [UInt8], _ namespace: MetadataNamespace) -> [UInt8]?? {
        guard case .object(let object)? = try? JSONValue(parsing: attributes), object.count == 4,
            case .string? = object["note"],
            case .string? = object["id"], case .array? = object["tags"], case .string(let type)? = object["type"]
        else { return nil }
        guard let local = namespace.local(type) else { return .some(nil) }
        var members = object.members
        for i in members.indices where members[i].key == "type" { members[i].value = .string(local) }
        return .some(JSONValue.object(JSONObject(members)).serialized())
    }
}

// MARK: - Collections

/// `COLLECTION.*`: the vector collections entities and notes keep their embeddings in.
enum CollectionCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "COLLECTION.CREATE", arity: -6, flags: [.write, .denyoom, .module], keys: (1, 1, 1), group: "module",
            summary: "Creates a vector collection for entity and note embeddings.", since: "0.1.0"
        ) { context throws(CommandError) in
            try MetadataSupport.refuseInsideTransaction(context)
            var arguments = MetadataArguments(context, from: 1)
            let name = try arguments.name("collection name")
            var dimension: Int?
            var metric: Metric?
            var options = CollectionOptions(dimension: 1, metric: .cosine)
            while let token = arguments.nextToken() {
                switch token {
                case "DIM": dimension = try arguments.integer("DIM", in: 1...65536)
                case "METRIC":
                    switch arguments.nextToken() ?? "" {
                    case "COSINE": metric = .cosine
                    case "L2": metric = .l2
                    case "IP": metric = .innerProduct
                    default: throw .err("METRIC must be cosine, l2 or ip")
                    }
                case "QUANT":
                    switch arguments.nextToken() ?? "" {
                    case "F32": options.encoding = .f32
                    case "F16": options.encoding = .f16
                    case "I8", "Q8", "INT8": options.encoding = .i8
                    case "BIN", "BINARY": options.encoding = .binary
                    default: throw .err("QUANT must be f32, f16, i8 or bin")
                    }
                case "M": options.m = try arguments.integer("M", in: 2...128)
                case "EF": options.efConstruction = try arguments.integer("EF", in: 1...100_000)
                default: throw .syntax
                }
            }
            guard let dimension, let metric else { throw .err("COLLECTION.CREATE needs DIM and METRIC") }
            options.dimension = dimension
            options.metric = metric
            let stored = MetadataNamespace(context).qualify(name)
            guard !context.database.collectionNames.contains(stored) else {
                throw .err("collection '\(name)' already exists")
            }
            do { try context.database.createCollection(stored, options: options) } catch { throw .wrapping(error) }
            return .ok
        },
        CommandSpec(
            "COLLECTION.LIST", arity: 1, flags: [.readonly, .module], group: "module",
            summary: "Lists the collections of the selected database.", since: "0.1.0", complexity: "O(N) collections"
        ) { context throws(CommandError) in
            let namespace = MetadataNamespace(context)
            return .array(context.database.collectionNames.compactMap(namespace.local).map { .bulkString($0) })
        },
        CommandSpec(
            "COLLECTION.INFO", arity: 2, flags: [.readonly, .module], keys: (1, 1, 1), group: "module",
            summary: "Describes a collection: options, vectors, segments.", since: "0.1.0"
        ) { context throws(CommandError) in
            let name = try MetadataArguments.name(context.argument(1), "collection name")
            _ = try MetadataSupport.collection(name, context)
            let info: CollectionInfo
            do { info = try context.database.describeCollection(MetadataNamespace(context).qualify(name)) } catch {
                throw .wrapping(error)
            }
            let key = MetadataSupport.key
            return .map([
                (key("name"), .bulkString(name)),
                (key("dim"), .integer(Int64(info.options.dimension))),
                (key("metric"), .bulkString(info.options.metric.rawValue)),
                (key("quant"), .bulkString(info.options.encoding == .binary ? "bin" : info.options.encoding.rawValue)),
                (key("m"), .integer(Int64(info.options.m))),
                (key("ef"), .integer(Int64(info.options.efConstruction))),
                (key("count"), .integer(Int64(info.count))),
                (key("segments"), .integer(Int64(info.segments))),
                (key("segment_bytes"), .integer(Int64(info.segmentBytes))),
            ])
        },
        CommandSpec(
            "COLLECTION.DROP", arity: 2, flags: [.write, .module], keys: (1, 1, 1), group: "module",
            summary: "Drops a collection and every vector in it.", since: "0.1.0", complexity: "O(N) vectors"
        ) { context throws(CommandError) in
            try MetadataSupport.refuseInsideTransaction(context)
            let name = try MetadataArguments.name(context.argument(1), "collection name")
            let definition = try MetadataSupport.collection(name, context)
            // Its vectors are entities' and notes' embeddings, whose records name the collection:
            // dropping it under them would leave those entities impossible to update or delete.
            let count: Int
            do { count = try context.database.snapshot().count(in: definition.name) } catch { throw .wrapping(error) }
            guard count == 0 else {
                let noun = count == 1 ? "embedding" : "embeddings"
                throw .err(
                    "collection '\(name)' still holds \(count) \(noun): delete the entities and notes that own them first"
                )
            }
            do { try context.database.dropCollection(definition.name) } catch { throw .wrapping(error) }
            return .ok
        },
        CommandSpec(
            "COLLECTION.SEARCH", arity: -4, flags: [.readonly, .module], keys: (1, 1, 1), group: "module",
            summary: "Finds the vectors nearest a query in a collection: entities' and notes' embeddings alike.",
            since: "0.1.0",
            complexity: "O(log N) per segment"
        ) { context throws(CommandError) in
            var arguments = MetadataArguments(context, from: 1)
            let name = try arguments.name("collection name")
            let definition = try MetadataSupport.collection(name, context)
            let namespace = MetadataNamespace(context)
            let snapshot = context.readSnapshot
            let query: [Float]
            if let vector = try arguments.vector() {
                query = vector
            } else if arguments.take("ELE") {
                let type = try MetadataSupport.entityType(try arguments.name("entity type"), context)
                let id = try arguments.text("entity id")
                guard
                    let stored = try? snapshot.vector(
                        MetadataVectorKeys.entity(EntityRef(type: type, id: id)), in: definition.name)
                else {
                    throw .err("element not found in collection")
                }
                query = stored.vector
            } else {
                throw MetadataArguments.invalidVector
            }
            try MetadataSupport.check(query, fits: definition, named: name)
            let options = try MetadataSupport.searchOptions(&arguments, allowType: false)
            try context.transaction?.requireNoPendingWrites(collection: definition.name, command: "COLLECTION.SEARCH")
            let hits: [SearchHit]
            do {
                hits = try context.database.engine.snapshot().search(
                    query, k: options.k, ef: options.ef, in: definition.name,
                    filter: MetadataSupport.clientView(options.filter, namespace))
            } catch { throw .wrapping(error) }
            let key = MetadataSupport.key
            return .array(
                hits.map { hit in
                    let distance = RESPValue.double(Double(hit.distance))
                    if let ref = MetadataVectorKeys.entityRef(hit.key), let local = namespace.local(ref.type) {
                        return .map([
                            (key("kind"), .bulkString("entity")), (key("type"), .bulkString(local)),
                            (key("id"), .bulkString(ref.id)),
                            (key("distance"), distance),
                        ])
                    }
                    if let id = MetadataVectorKeys.noteID(hit.key) {
                        return .map([
                            (key("kind"), .bulkString("note")), (key("id"), .bulkString(id)),
                            (key("distance"), distance),
                        ])
                    }
                    return .map([
                        (key("kind"), .bulkString("vector")), (key("key"), .bulkString(bytes: hit.key.bytes)),
                        (key("distance"), distance),
                    ])
                })
        },
    ]
}
