public import QuiverIndex

/// A vector collection's name and index parameters, fixed when it is created.
public struct CollectionDefinition: Sendable, Hashable {
    /// The collection's name: 1...255 UTF-8 bytes, no control characters.
    public var name: String
    /// Dimension, metric, encoding and graph parameters of the collection's indexes.
    public var index: HNSWConfiguration

    /// A definition with `index`'s parameters.
    public init(name: String, index: HNSWConfiguration) {
        self.name = name
        self.index = index
    }

    /// A definition with default graph parameters.
    public init(name: String, dimension: Int, metric: Metric) {
        self.init(name: name, index: HNSWConfiguration(dimension: dimension, metric: metric))
    }

    /// Checks the name and the index parameters.
    func validate() throws(EngineError) {
        try Self.validate(name: name)
        do { try index.validate() } catch { throw EngineError(error) }
    }

    /// Checks a collection or table name: 1...255 bytes without control characters.
    static func validate(name: String) throws(EngineError) {
        guard (1...255).contains(name.utf8.count), !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { throw EngineError(.invalidArgument, "collection and table names must be 1...255 bytes without control characters") }
    }

    func encode(into writer: inout BinaryWriter) {
        writer.write(name)
        writer.write(UInt32(index.dimension))
        writer.write(index.metric.rawValue)
        writer.write(index.encoding.rawValue)
        writer.write(UInt32(index.m))
        writer.write(UInt32(index.efConstruction))
        writer.write(index.seed)
        writer.write(index.rerank)
        writer.write(index.purgeRatio)
    }

    static func decode(from reader: inout BinaryReader) throws(EngineError) -> CollectionDefinition {
        let name = try reader.readString()
        let dimension = Int(try reader.read(UInt32.self))
        guard let metric = Metric(rawValue: try reader.readString()),
            let encoding = VectorEncoding(rawValue: try reader.readString())
        else { throw EngineError(.corruption, "\(reader.context): unknown metric or encoding for collection \(name)") }
        var index = HNSWConfiguration(dimension: dimension, metric: metric)
        index.encoding = encoding
        index.m = Int(try reader.read(UInt32.self))
        index.efConstruction = Int(try reader.read(UInt32.self))
        index.seed = try reader.read(UInt64.self)
        index.rerank = try reader.readBool()
        index.purgeRatio = try reader.readDouble()
        return CollectionDefinition(name: name, index: index)
    }
}
