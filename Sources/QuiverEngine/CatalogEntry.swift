/// What the manifest's catalog records under a name: a vector collection or a record table.
///
/// A collection's entry starts with its name's `u32` length (at most 255); a table's entry starts
/// with the marker `0xFFFFFFFF`, so the two never read as each other.
enum CatalogEntry: Sendable, Hashable {
    case collection(CollectionDefinition)
    case table(TableDefinition)

    var name: String {
        switch self {
        case .collection(let definition): definition.name
        case .table(let definition): definition.name
        }
    }

    var encoded: [UInt8] {
        var writer = BinaryWriter()
        switch self {
        case .collection(let definition): definition.encode(into: &writer)
        case .table(let definition): definition.encode(into: &writer)
        }
        return writer.bytes
    }

    init(encoded bytes: [UInt8]) throws(EngineError) {
        var reader = BinaryReader(bytes, context: "catalog entry")
        if bytes.count >= 4, bytes[0..<4].allSatisfy({ $0 == 0xFF }) {
            self = .table(try TableDefinition.decode(from: &reader))
        } else {
            self = .collection(try CollectionDefinition.decode(from: &reader))
        }
        try reader.finish()
    }
}
