public import QuiverEngine
internal import QuiverIndex
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A text note attached to an entity: what a user wrote about a character, a paper, a place.
public struct Note: Sendable, Equatable {
    /// Its id: unique, and increasing with creation time.
    public var id: String
    /// The entity it is attached to.
    public var entity: EntityRef
    /// Its text.
    public var body: String
    /// Its tags.
    public var tags: [String]
    /// When it was written, in wall-clock milliseconds since 1970.
    public var created: Int64
    /// When it was last edited.
    public var updated: Int64
    /// The collection holding its embedding, if it has one (under ``embeddingKey``).
    public var embeddingCollection: String?

    init(
        id: String, entity: EntityRef, body: String, tags: [String], created: Int64, updated: Int64,
        embeddingCollection: String? = nil
    ) {
        self.id = id
        self.entity = entity
        self.body = body
        self.tags = tags
        self.created = created
        self.updated = updated
        self.embeddingCollection = embeddingCollection
    }

    /// The key of the note's embedding in ``embeddingCollection``.
    public var embeddingKey: Key { Key(MetadataKeys.note(id)) }

    /// The attributes stored with the note's embedding: its entity and tags, for filters such as
    /// `.type == "character" and "spoiler" in .tags`.
    var embeddingAttributes: [UInt8] {
        JSONValue.object(["type": .string(entity.type), "id": .string(entity.id), "note": .string(id), "tags": .array(tags.map { .string($0) })])
            .serialized()
    }

    static let version: UInt8 = 1

    /// `u8` version, entity type and id, `i64` created and updated, body, `u32` tag count and the
    /// tags, then a flag and the embedding's collection.
    var encoded: [UInt8] {
        var writer = BinaryWriter(capacity: 64 + body.utf8.count)
        writer.write(Self.version)
        writer.write(entity.type)
        writer.write(entity.id)
        writer.write(created)
        writer.write(updated)
        writer.write(body)
        writer.write(UInt32(tags.count))
        for tag in tags { writer.write(tag) }
        writer.write(embeddingCollection != nil)
        if let embeddingCollection { writer.write(embeddingCollection) }
        return writer.bytes
    }

    init(id: String, decoding bytes: [UInt8]) throws(QuiverError) {
        do {
            var reader = BinaryReader(bytes, context: "note \(id)")
            guard try reader.read(UInt8.self) == Self.version else {
                throw QuiverError(.unsupported, "note \(id): a record format this build does not read")
            }
            let entity = EntityRef(type: try reader.readString(), id: try reader.readString())
            let created = try reader.read(Int64.self)
            let updated = try reader.read(Int64.self)
            let body = try reader.readString()
            let count = Int(try reader.read(UInt32.self))
            guard count <= reader.remaining else { throw QuiverError(.corruption, "note \(id): \(count) tags") }
            var tags: [String] = []
            for _ in 0..<count { tags.append(try reader.readString()) }
            let collection = try reader.readBool() ? try reader.readString() : nil
            try reader.finish()
            self.init(
                id: id, entity: entity, body: body, tags: tags, created: created, updated: updated, embeddingCollection: collection)
        } catch let error as QuiverError {
            throw error
        } catch {
            throw QuiverError.wrap(error)
        }
    }
}

/// Makes note ids: 12 hex digits of the creation time in milliseconds, then a counter and random
/// bits, so ids sort by creation time and never repeat within a process.
final class NoteIDGenerator: Sendable {
    private let state = Locked<(last: Int64, counter: UInt32)>((0, 0))
    private let salt = UInt32.random(in: 0...UInt32.max)

    func next(now: Int64) -> String {
        let (time, counter) = state.withLock { state -> (Int64, UInt32) in
            if now > state.last {
                state = (now, 0)
            } else {
                state.counter &+= 1
            }
            return (state.last, state.counter)
        }
        return hex(UInt64(max(0, time)), digits: 12) + hex(UInt64(counter), digits: 6) + hex(UInt64(salt), digits: 8)
    }

    private func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
