internal import Quiver
internal import QuiverRESP

/// `ENTITY.*`: the application's own records (characters, places, papers) by type and id, with
/// JSON attributes, declared attribute indexes, listings by FILTER with cursors, facet counts,
/// and the embeddings they own in collections (written and deleted with them, atomically).
enum EntityCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "ENTITY.DEFINE", arity: -2, flags: [.write, .module], keys: (1, 1, 1), group: "module",
            summary: "Declares an entity type and the attributes it indexes (re-indexing its entities).",
            since: "0.1.0",
            complexity: "O(N) entities of the type when the indexes change"
        ) { context throws(CommandError) in
            try MetadataSupport.refuseInsideTransaction(context)
            var arguments = MetadataArguments(context, from: 1)
            let type = try arguments.name("entity type")
            var indexes: [String] = []
            if arguments.take("INDEX") {
                guard !arguments.isAtEnd else { throw .syntax }
                while !arguments.isAtEnd { indexes.append(try arguments.name("attribute name")) }
            }
            guard arguments.isAtEnd else { throw .syntax }
            let definition = EntityTypeDefinition(
                name: MetadataNamespace(context).qualify(type), indexedAttributes: indexes)
            do { try context.database.entities.define(definition) } catch { throw .wrapping(error) }
            return .ok
        },
        CommandSpec(
            "ENTITY.TYPES", arity: 1, flags: [.readonly, .module], group: "module",
            summary: "Lists the entity types of the selected database with their indexed attributes.", since: "0.1.0",
            complexity: "O(N) types"
        ) { context throws(CommandError) in
            let namespace = MetadataNamespace(context)
            return .map(
                context.database.entities.types.compactMap { definition in
                    namespace.local(definition.name).map { name in
                        (key: .bulkString(name), value: .array(definition.indexedAttributes.map { .bulkString($0) }))
                    }
                })
        },
        CommandSpec(
            "ENTITY.UPSERT", arity: -4, flags: [.write, .denyoom, .module], keys: (1, 1, 1), group: "module",
            summary: "Inserts or replaces an entity and, atomically with it, the embeddings it owns.", since: "0.1.0",
            complexity: "O(log N) per embedding, plus O(indexed attributes)"
        ) { context throws(CommandError) in
            var arguments = MetadataArguments(context, from: 1)
            let ref = try entityRef(&arguments, context)
            let json = try arguments.next()
            // Checked here, so that a transaction never fails at its commit for it: the
            // attributes travel with the entity's vectors, whose attributes are at most 16 MiB.
            guard json.count <= 16 << 20 else { throw .err("entity attributes are \(json.count) bytes (limit 16 MiB)") }
            let attributes: JSONValue
            do { attributes = try JSONValue(parsing: json) } catch { throw .err("invalid JSON: \(error)") }
            guard case .object = attributes else { throw .err("entity attributes must be a JSON object") }
            var embeddings: [EntityEmbedding] = []
            while !arguments.isAtEnd {
                guard arguments.take("EMBEDDING") else { throw .syntax }
                let (collection, vector) = try embedding(&arguments, context)
                guard !embeddings.contains(where: { $0.collection == collection }) else {
                    throw .err("EMBEDDING names a collection twice")
                }
                embeddings.append(EntityEmbedding(collection: collection, vector: vector))
            }
            try context.write { (transaction) throws(CommandError) in
                do { try transaction.upsertEntity(ref, attributes: attributes, embeddings: embeddings) } catch {
                    throw .wrapping(error)
                }
            }
            return .ok
        },
        CommandSpec(
            "ENTITY.GET", arity: 3, flags: [.readonly, .fast, .module], keys: (1, 1, 1), group: "module",
            summary: "Returns an entity: its attributes (JSON) and when it was created and updated.", since: "0.1.0"
        ) { context throws(CommandError) in
            var arguments = MetadataArguments(context, from: 1)
            let ref = try entityRef(&arguments, context)
            guard let entity = try read(ref, context) else { return .null }
            return MetadataSupport.reply(entity, MetadataNamespace(context))
        },
        CommandSpec(
            "ENTITY.DEL", arity: -3, flags: [.write, .module], keys: (1, 1, 1), group: "module",
            summary: "Deletes entities with their embeddings and notes; returns how many existed.", since: "0.1.0",
            complexity: "O(N) in the entities' notes and embeddings"
        ) { context throws(CommandError) in
            var arguments = MetadataArguments(context, from: 1)
            let type = try MetadataSupport.entityType(try arguments.name("entity type"), context)
            var refs: [EntityRef] = []
            while !arguments.isAtEnd { refs.append(EntityRef(type: type, id: try entityID(&arguments))) }
            let deleted = try context.write { (transaction) throws(CommandError) -> Int in
                var deleted = 0
                for ref in Set(refs) {
                    do { if try transaction.deleteEntity(ref) { deleted += 1 } } catch { throw .wrapping(error) }
                }
                return deleted
            }
            return .integer(Int64(deleted))
        },
        CommandSpec(
            "ENTITY.LIST", arity: -2, flags: [.readonly, .module], keys: (1, 1, 1), group: "module",
            summary: "Lists entities of a type passing a FILTER, a page at a time (reply: next cursor, entities).",
            since: "0.1.0", complexity: "O(LIMIT) with an index on a filtered attribute, else O(N) entities of the type"
        ) { context throws(CommandError) in
            var arguments = MetadataArguments(context, from: 1)
            let typeName = try arguments.name("entity type")
            let type = try MetadataSupport.entityType(typeName, context)
            var filter: String?
            var cursor: String?
            var limit = 100
            while let token = arguments.nextToken() {
                switch token {
                case "FILTER":
                    let source = try arguments.text("FILTER")
                    _ = try MetadataSupport.checkFilter(source)
                    filter = source
                case "CURSOR":
                    let text = try arguments.text("cursor")
                    cursor = text == "0" ? nil : text
                case "LIMIT", "COUNT": limit = try arguments.integer("LIMIT", in: 1...10_000)
                default: throw .syntax
                }
            }
            let resume = try cursor.map { (cursor) throws(CommandError) in try databaseCursor(cursor, type: type) }
            try context.transaction?.requireNoPendingWrites(entityType: type, command: "ENTITY.LIST")
            let page: Page<Entity>
            do throws(QuiverError) {
                page = try context.readSnapshot.entities(ofType: type, filter: filter, after: resume, limit: limit)
            } catch {
                if error.code == .invalidArgument, cursor != nil { throw .err("invalid cursor") }
                throw .wrapping(error)
            }
            let namespace = MetadataNamespace(context)
            return MetadataSupport.page(
                cursor: clientCursor(page.nextCursor, type: type),
                page.elements.map { MetadataSupport.reply($0, namespace) })
        },
        CommandSpec(
            "ENTITY.COUNT", arity: -2, flags: [.readonly, .module], keys: (1, 1, 1), group: "module",
            summary: "Counts entities of a type, or (BY) how many have each value of an attribute: facets.",
            since: "0.1.0",
            complexity: "O(index entries) for an indexed attribute without FILTER, else O(N) entities of the type"
        ) { context throws(CommandError) in
            var arguments = MetadataArguments(context, from: 1)
            let type = try MetadataSupport.entityType(try arguments.name("entity type"), context)
            var attribute: String?
            var filter: String?
            while let token = arguments.nextToken() {
                switch token {
                case "BY": attribute = try arguments.name("attribute name")
                case "FILTER":
                    let source = try arguments.text("FILTER")
                    _ = try MetadataSupport.checkFilter(source)
                    filter = source
                default: throw .syntax
                }
            }
            try context.transaction?.requireNoPendingWrites(entityType: type, command: "ENTITY.COUNT")
            let snapshot = context.readSnapshot
            do {
                guard let attribute else {
                    var total = 0
                    var cursor: String?
                    repeat {
                        let page = try snapshot.entities(ofType: type, filter: filter, after: cursor, limit: 10_000)
                        total += page.elements.count
                        cursor = page.nextCursor
                    } while cursor != nil
                    return .integer(Int64(total))
                }
                let counts = try snapshot.entityCounts(ofType: type, by: attribute, filter: filter)
                return .map(
                    counts.map { (key: .bulkString(bytes: $0.value.serialized()), value: .integer(Int64($0.count))) })
            } catch {
                throw .wrapping(error)
            }
        },
        CommandSpec(
            "ENTITY.SEARCH", arity: -4, flags: [.readonly, .module], keys: (1, 1, 1), group: "module",
            summary:
                "Finds the entities whose embeddings in a collection are nearest a query, among those passing a FILTER.",
            since: "0.1.0", complexity: "O(log N) per segment"
        ) { context throws(CommandError) in
            var arguments = MetadataArguments(context, from: 1)
            let name = try arguments.name("collection name")
            let definition = try MetadataSupport.collection(name, context)
            let snapshot = context.readSnapshot
            let query: [Float]
            if let vector = try arguments.vector() {
                query = vector
            } else if arguments.take("ELE") {
                let ref = try entityRef(&arguments, context)
                guard let stored = try? snapshot.vector(MetadataVectorKeys.entity(ref), in: definition.name) else {
                    throw .err("element not found in collection")
                }
                query = stored.vector
            } else {
                throw MetadataArguments.invalidVector
            }
            try MetadataSupport.check(query, fits: definition, named: name)
            let options = try MetadataSupport.searchOptions(&arguments, allowType: true)
            let type = try options.type.map { (type) throws(CommandError) in
                try MetadataSupport.entityType(type, context)
            }
            try context.transaction?.requireNoPendingWrites(collection: definition.name, command: "ENTITY.SEARCH")
            let namespace = MetadataNamespace(context)
            // Note embeddings and other types' vectors may share the collection: fetch more
            // until k entities are found or the collection has no more.
            var fetch = options.k
            var results: [(Entity, Float)] = []
            do {
                while true {
                    let matches = try snapshot.search(
                        query, k: fetch, ef: options.ef.map { max($0, fetch) }, filter: options.filter,
                        in: definition.name)
                    results = []
                    for match in matches {
                        guard let ref = MetadataVectorKeys.entityRef(match.key), namespace.owns(ref),
                            type == nil || ref.type == type,
                            let entity = try snapshot.entity(ref)
                        else { continue }
                        results.append((entity, match.distance))
                        if results.count == options.k { break }
                    }
                    if results.count >= options.k || matches.count < fetch || fetch >= 10_000 { break }
                    fetch = min(fetch * 4, 10_000)
                }
            } catch {
                throw .wrapping(error)
            }
            return .array(results.map { MetadataSupport.reply($0.0, namespace, distance: $0.1) })
        },
        CommandSpec(
            "ENTITY.WATCH", arity: -3, flags: [.noscript, .loading, .stale, .fast, .noMulti, .module], keys: (1, 1, 1),
            group: "module", summary: "Watches entities: EXEC then aborts (null reply) if one changed.", since: "0.1.0",
            complexity: "O(1) for every entity"
        ) { context throws(CommandError) in
            var arguments = MetadataArguments(context, from: 1)
            let type = try MetadataSupport.entityType(try arguments.name("entity type"), context)
            var targets: [WatchedItem.Target] = []
            while !arguments.isAtEnd {
                targets.append(.item(.entity(EntityRef(type: type, id: try entityID(&arguments)))))
            }
            return try TransactionCommands.watch(targets, &context)
        },
    ]

    // MARK: Helpers

    /// `type id`: a declared type of the namespace and an id.
    static func entityRef(
        _ arguments: inout MetadataArguments, _ context: CommandContext
    ) throws(CommandError) -> EntityRef {
        let type = try MetadataSupport.entityType(try arguments.name("entity type"), context)
        return EntityRef(type: type, id: try entityID(&arguments))
    }

    static func entityID(_ arguments: inout MetadataArguments) throws(CommandError) -> String {
        let id = try arguments.text("entity id")
        guard (1...4096).contains(id.utf8.count) else { throw .err("entity ids are 1...4096 bytes") }
        return id
    }

    /// `collection (FP32 blob | VALUES n v...)`: a collection of the namespace (stored name)
    /// and a vector that fits it.
    static func embedding(
        _ arguments: inout MetadataArguments, _ context: CommandContext
    ) throws(CommandError) -> (String, [Float]) {
        let name = try arguments.name("collection name")
        let definition = try MetadataSupport.collection(name, context)
        guard let vector = try arguments.vector() else { throw MetadataArguments.invalidVector }
        try MetadataSupport.check(vector, fits: definition, named: name)
        return (definition.name, vector)
    }

    /// The entity as the command should see it (through the running transaction, if any).
    static func read(_ ref: EntityRef, _ context: CommandContext) throws(CommandError) -> Entity? {
        do {
            if let transaction = context.transaction { return try transaction.entity(ref) }
            return try context.database.snapshot().entity(ref)
        } catch {
            throw .wrapping(error)
        }
    }

    /// The cursor a client sees for the database's `cursor` of a listing of `type` (stored
    /// name): positions among the type's keys (scans and ranges) lose the type's encoded prefix,
    /// so that cursors never show the namespace.
    static func clientCursor(_ cursor: String?, type: String) -> String? {
        guard let cursor, let tag = cursor.first, tag == "s" || tag == "r" else { return cursor }
        guard let bytes = MetadataSupport.hexDecoded(cursor.dropFirst()) else { return cursor }
        let prefix = SortableKeyEncoder.encode([.string(type)])
        guard bytes.starts(with: prefix) else { return cursor }
        return String(tag) + MetadataSupport.hexEncoded(bytes.dropFirst(prefix.count))
    }

    /// The database's cursor for a client's `cursor` of a listing of `type`, or `ERR invalid
    /// cursor`: a cursor can only resume a listing of the type it came from (another type's or
    /// another namespace's positions are outside the range it may name).
    static func databaseCursor(_ cursor: String, type: String) throws(CommandError) -> String {
        guard let tag = cursor.first, let suffix = MetadataSupport.hexDecoded(cursor.dropFirst()) else {
            throw .err("invalid cursor")
        }
        switch tag {
        case "p": return cursor
        case "s", "r":
            // A suffix starting with 0xFF would continue the type's name instead of following it.
            guard let first = suffix.first, first != 0xFF else { throw .err("invalid cursor") }
            return String(tag) + MetadataSupport.hexEncoded(SortableKeyEncoder.encode([.string(type)]) + suffix)
        default: throw .err("invalid cursor")
        }
    }
}
