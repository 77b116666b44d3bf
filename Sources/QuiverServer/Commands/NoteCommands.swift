internal import Quiver
internal import QuiverRESP

/// `NOTE.*`: text notes attached to entities (body, tags, times), listed newest first, edited,
/// deleted (with their entity too), optionally embedded for semantic search.
enum NoteCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "NOTE.ADD", arity: -4, flags: [.write, .denyoom, .module], keys: (1, 1, 1), group: "module",
            summary: "Attaches a note to an entity, optionally with its embedding; returns the note's id.",
            since: "0.1.0",
            complexity: "O(log N)"
        ) { context throws(CommandError) in
            var arguments = MetadataArguments(context, from: 1)
            let entity = try EntityCommands.entityRef(&arguments, context)
            let body = try arguments.text("note body")
            var tags: [String] = []
            var embedding: EntityEmbedding?
            while let token = arguments.nextToken() {
                switch token {
                case "TAGS": tags = try NoteCommands.tags(&arguments)
                case "EMBEDDING":
                    let (collection, vector) = try EntityCommands.embedding(&arguments, context)
                    embedding = EntityEmbedding(collection: collection, vector: vector)
                default: throw .syntax
                }
            }
            try checkSize(body: body, tags: tags)
            let note = try context.write { (transaction) throws(CommandError) -> Note in
                let exists: Bool
                do { exists = try transaction.entity(entity) != nil } catch { throw .wrapping(error) }
                guard exists else { throw noSuchEntity(entity, context) }
                return transaction.addNote(to: entity, body: body, tags: tags, embedding: embedding)
            }
            return .bulkString(note.id)
        },
        CommandSpec(
            "NOTE.GET", arity: 2, flags: [.readonly, .fast, .module], keys: (1, 1, 1), group: "module",
            summary: "Returns a note: its entity, body, tags and times.", since: "0.1.0"
        ) { context throws(CommandError) in
            guard let note = try read(try MetadataArguments.text(context.argument(1), "note id"), context) else {
                return .null
            }
            return MetadataSupport.reply(note, MetadataNamespace(context))
        },
        CommandSpec(
            "NOTE.EDIT", arity: -4, flags: [.write, .denyoom, .module], keys: (1, 1, 1), group: "module",
            summary: "Changes a note's body and/or tags.", since: "0.1.0"
        ) { context throws(CommandError) in
            var arguments = MetadataArguments(context, from: 1)
            let id = try arguments.text("note id")
            var body: String?
            var tags: [String]?
            while let token = arguments.nextToken() {
                switch token {
                case "BODY": body = try arguments.text("note body")
                case "TAGS": tags = try NoteCommands.tags(&arguments)
                default: throw .syntax
                }
            }
            try checkSize(body: body ?? "", tags: tags ?? [])
            try context.write { (transaction) throws(CommandError) in
                guard let note = try read(id, transaction: transaction, context) else {
                    throw .err("no such note '\(id)'")
                }
                transaction.editNote(note, body: body, tags: tags)
            }
            return .ok
        },
        CommandSpec(
            "NOTE.DEL", arity: -2, flags: [.write, .module], keys: (1, -1, 1), group: "module",
            summary: "Deletes notes (and their embeddings); returns how many existed.", since: "0.1.0",
            complexity: "O(1) for every note"
        ) { context throws(CommandError) in
            var ids: [String] = []
            for i in 1..<context.arguments.count {
                ids.append(try MetadataArguments.text(context.argument(i), "note id"))
            }
            let deleted = try context.write { (transaction) throws(CommandError) -> Int in
                var deleted = 0
                for id in Set(ids) {
                    guard let note = try read(id, transaction: transaction, context) else { continue }
                    transaction.deleteNote(note)
                    deleted += 1
                }
                return deleted
            }
            return .integer(Int64(deleted))
        },
        CommandSpec(
            "NOTE.LIST", arity: -3, flags: [.readonly, .module], keys: (1, 1, 1), group: "module",
            summary: "Lists an entity's notes newest first, a page at a time (reply: next cursor, notes).",
            since: "0.1.0",
            complexity: "O(LIMIT)"
        ) { context throws(CommandError) in
            var arguments = MetadataArguments(context, from: 1)
            let entity = try EntityCommands.entityRef(&arguments, context)
            var cursor: String?
            var limit = 50
            while let token = arguments.nextToken() {
                switch token {
                case "CURSOR":
                    let text = try arguments.text("cursor")
                    cursor = text == "0" ? nil : text
                case "LIMIT", "COUNT": limit = try arguments.integer("LIMIT", in: 1...10_000)
                default: throw .syntax
                }
            }
            try context.transaction?.requireNoPendingWrites(notesOf: entity, command: "NOTE.LIST")
            let page: Page<Note>
            // Cursors are the database's without the entity's encoded prefix (the namespace).
            let prefix = SortableKeyEncoder.encode([.string(entity.type), .string(entity.id)])
            let resume = try cursor.map { (cursor) throws(CommandError) -> String in
                guard let suffix = MetadataSupport.hexDecoded(Substring(cursor)), let first = suffix.first,
                    first != 0xFF
                else {
                    throw .err("invalid cursor")
                }
                return MetadataSupport.hexEncoded(prefix + suffix)
            }
            do throws(QuiverError) {
                page = try context.readSnapshot.notes(for: entity, after: resume, limit: limit)
            } catch {
                if error.code == .invalidArgument, cursor != nil { throw .err("invalid cursor") }
                throw .wrapping(error)
            }
            let namespace = MetadataNamespace(context)
            let next = page.nextCursor.map { cursor -> String in
                guard let bytes = MetadataSupport.hexDecoded(Substring(cursor)), bytes.starts(with: prefix) else {
                    return cursor
                }
                return MetadataSupport.hexEncoded(bytes.dropFirst(prefix.count))
            }
            return MetadataSupport.page(cursor: next, page.elements.map { MetadataSupport.reply($0, namespace) })
        },
        CommandSpec(
            "NOTE.SEARCH", arity: -4, flags: [.readonly, .module], keys: (1, 1, 1), group: "module",
            summary:
                "Finds the notes whose embeddings in a collection are nearest a query, among those passing a FILTER.",
            since: "0.1.0", complexity: "O(log N) per segment"
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
                let id = try arguments.text("note id")
                guard let note = try read(id, context), note.embeddingCollection == definition.name,
                    let stored = try? snapshot.vector(note.embeddingKey, in: definition.name)
                else { throw .err("element not found in collection") }
                query = stored.vector
            } else {
                throw MetadataArguments.invalidVector
            }
            try MetadataSupport.check(query, fits: definition, named: name)
            let options = try MetadataSupport.searchOptions(&arguments, allowType: false)
            try context.transaction?.requireNoPendingWrites(collection: definition.name, command: "NOTE.SEARCH")
            // Only note embeddings of this namespace pass, with `.type` as the client names it.
            let filter = options.filter
            let predicate: ([UInt8]?) -> Bool = { attributes in
                guard let attributes, case let local?? = MetadataSupport.noteAttributes(attributes, namespace) else {
                    return false
                }
                return filter?.matches(attributes: local) ?? true
            }
            var results: [RESPValue] = []
            do {
                let hits = try context.database.engine.snapshot().search(
                    query, k: options.k, ef: options.ef, in: definition.name, filter: predicate)
                for hit in hits {
                    guard let id = MetadataVectorKeys.noteID(hit.key), let note = try snapshot.note(id),
                        namespace.owns(note.entity)
                    else { continue }
                    results.append(MetadataSupport.reply(note, namespace, distance: hit.distance))
                }
            } catch {
                throw .wrapping(error)
            }
            return .array(results)
        },
        CommandSpec(
            "NOTE.WATCH", arity: -2, flags: [.noscript, .loading, .stale, .fast, .noMulti, .module], keys: (1, -1, 1),
            group: "module", summary: "Watches notes: EXEC then aborts (null reply) if one changed.", since: "0.1.0",
            complexity: "O(1) for every note"
        ) { context throws(CommandError) in
            var targets: [WatchedItem.Target] = []
            for i in 1..<context.arguments.count {
                targets.append(.item(.note(try MetadataArguments.text(context.argument(i), "note id"))))
            }
            return try TransactionCommands.watch(targets, &context)
        },
    ]

    // MARK: Helpers

    /// `n tag1 .. tagn`.
    static func tags(_ arguments: inout MetadataArguments) throws(CommandError) -> [String] {
        let count = try arguments.integer("TAGS count", in: 0...10_000)
        var tags: [String] = []
        for _ in 0..<count { tags.append(try arguments.text("tag")) }
        return tags
    }

    /// Throws unless a note's text fits a stored record (64 MiB) and its tags its embedding's
    /// attributes (16 MiB), checked before anything is queued so that a commit never fails for it.
    static func checkSize(body: String, tags: [String]) throws(CommandError) {
        let tagBytes = tags.reduce(0) { $0 + $1.utf8.count + 8 }
        guard body.utf8.count + tagBytes <= 60 << 20, tagBytes <= 8 << 20 else {
            throw .err("notes are at most 60 MiB of body and tags, and 8 MiB of tags")
        }
    }

    static func noSuchEntity(_ ref: EntityRef, _ context: CommandContext) -> CommandError {
        let local = MetadataNamespace(context).local(ref)
        return .err("no such entity '\(local.type)' '\(local.id)'")
    }

    /// The note as the command should see it; notes on other namespaces' entities read as absent.
    static func read(_ id: String, _ context: CommandContext) throws(CommandError) -> Note? {
        if let transaction = context.transaction { return try read(id, transaction: transaction, context) }
        let note: Note?
        do { note = try context.database.snapshot().note(id) } catch { throw .wrapping(error) }
        guard let note, MetadataNamespace(context).owns(note.entity) else { return nil }
        return note
    }

    static func read(
        _ id: String, transaction: TransactionContext, _ context: CommandContext
    ) throws(CommandError) -> Note? {
        let note: Note?
        do { note = try transaction.note(id) } catch { throw .wrapping(error) }
        guard let note, MetadataNamespace(context).owns(note.entity) else { return nil }
        return note
    }
}
