/// A record table's name and options, fixed when it is created.
///
/// A table is an ordered map from ``Key`` to bytes, stored beside the vector collections in the
/// same log and segments, so that a batch can change records and vectors atomically. Records may
/// carry an expiry time; an expired record reads as absent.
public struct TableDefinition: Sendable, Hashable {
    /// The table's name: 1...255 UTF-8 bytes, no control characters; tables and collections
    /// share one namespace.
    public var name: String

    /// A table named `name`.
    public init(name: String) { self.name = name }

    static let catalogMarker = UInt32.max
    static let formatVersion: UInt8 = 1

    func validate() throws(EngineError) { try CollectionDefinition.validate(name: name) }

    func encode(into writer: inout BinaryWriter) {
        writer.write(Self.catalogMarker)
        writer.write(Self.formatVersion)
        writer.write(name)
    }

    static func decode(from reader: inout BinaryReader) throws(EngineError) -> TableDefinition {
        guard try reader.read(UInt32.self) == catalogMarker else {
            throw EngineError(.corruption, "\(reader.context): not a table definition")
        }
        let version = try reader.read(UInt8.self)
        guard version == formatVersion else {
            throw EngineError(.unsupported, "table definition format \(version) is newer than this build reads (\(formatVersion))")
        }
        return TableDefinition(name: try reader.readString())
    }
}
