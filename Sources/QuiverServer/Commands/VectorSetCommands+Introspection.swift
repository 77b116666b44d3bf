internal import Quiver
internal import QuiverRESP

extension VectorSetCommands {
    // MARK: VEMB

    /// `VEMB key element [RAW]`: the element's vector, or with RAW `[quantization, bytes, l2,
    /// (range)]` in Redis's storage layout; null when the key or element is missing.
    ///
    /// The plain form returns the vector as written (the stored unit vector times its length,
    /// exact f32 for every quantization: quantized sets keep the originals), where Redis returns
    /// its dequantized approximation.
    static func embedding(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        var raw = false
        for option in context.arguments.dropFirst(3) {
            guard CommandArguments.matches(option, "RAW") else { throw .err("invalid option") }
            raw = true
        }
        guard let (info, snapshot) = try open(context, context.key(1)) else { return .null }
        let element = context.key(2)
        do {
            if raw {
                guard let stored = try snapshot.normalizedVector(of: element, in: info.collection) else { return .null }
                return rawEmbedding(stored, info.quantization)
            }
            guard let stored = try snapshot.get(element, in: info.collection) else { return .null }
            return .array(stored.vector.map { .double(Double($0)) })
        } catch { throw failure(error) }
    }

    /// `VEMB RAW`'s reply, bytes as Redis 8.8 stores them: f32 the unit vector (little-endian);
    /// int8 `round(x·127/r)` of the unit vector with `r = max|x|` (then r is the fourth item);
    /// bin one bit per component (1 when positive) in little-endian 64-bit words. The l2 of a
    /// zero vector is 1, as Redis records it.
    static func rawEmbedding(_ stored: NormalizedVector, _ quantization: VectorQuantization) -> RESPValue {
        let unit = stored.components
        var bytes: [UInt8] = []
        var range: Float?
        switch quantization {
        case .noquant:
            bytes.reserveCapacity(4 * unit.count)
            for x in unit { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        case .q8:
            let r = unit.reduce(Float(0)) { max($0, abs($1)) }
            range = r
            if r == 0 {
                bytes = [UInt8](repeating: 0, count: unit.count)
            } else {
                let scale: Float = 127 / r
                bytes = unit.map { UInt8(bitPattern: Int8(max(-127, min(127, ($0 * scale).rounded())))) }
            }
        case .binary:
            var words = [UInt64](repeating: 0, count: (unit.count + 63) / 64)
            for (j, x) in unit.enumerated() where x > 0 { words[j / 64] |= 1 << UInt64(j % 64) }
            for word in words { withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) } }
        }
        let l2 = stored.norm == 0 ? 1 : stored.norm
        var items: [RESPValue] = [.simpleString(quantization.name), bulk(bytes), .double(Double(l2))]
        if let range { items.append(.double(Double(range))) }
        return .array(items)
    }

    // MARK: VLINKS

    /// `VLINKS key element [WITHSCORES]`: the element's neighbours on each layer, top first; with
    /// WITHSCORES each layer is a map name → similarity (flat pairs in RESP2).
    static func links(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        let arguments = context.arguments
        guard arguments.count <= 4 else { throw .arity("VLINKS") }
        let withScores = arguments.count == 4
        if withScores, !CommandArguments.matches(arguments[3], "WITHSCORES") { throw .arity("VLINKS") }
        guard let (info, snapshot) = try open(context, context.key(1)) else { return .null }
        let layers: [[GraphNeighbor]]?
        do { layers = try snapshot.graphNeighbors(of: context.key(2), in: info.collection) } catch {
            throw failure(error)
        }
        guard let layers else { return .null }
        return .array(
            layers.map { layer in
                guard withScores else { return .array(layer.map { bulk($0.key.bytes) }) }
                // Redis narrows the similarity to f32 before replying.
                return .map(layer.map { (bulk($0.key.bytes), .double(Double(Float(score($0.distance))))) })
            })
    }

    // MARK: VINFO

    /// `VINFO key`: the set's nine fields in Redis's order, a map (a flat array of 18 in RESP2)
    /// with simple-string keys; a null array for a missing key.
    static func information(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        guard let (info, snapshot) = try open(context, context.key(1)) else { return .nullArray }
        let size: Int
        let maxLevel: Int?
        do {
            size = try snapshot.count(in: info.collection)
            maxLevel = try snapshot.graphMaxLevel(in: info.collection)
        } catch { throw failure(error) }
        let fields: [(String, RESPValue)] = [
            ("quant-type", .simpleString(info.quantization.name)),
            ("hnsw-m", .integer(Int64(info.m))),
            ("vector-dim", .integer(Int64(info.dimension))),
            ("projection-input-dim", .integer(Int64(info.projectionInputDimension))),
            ("size", .integer(Int64(size))),
            ("max-level", .integer(Int64(maxLevel ?? 0))),
            ("attributes-count", .integer(Int64(info.attributeCount))),
            ("vset-uid", .integer(Int64(info.uid) - 1)),
            ("hnsw-max-node-uid", .integer(Int64(clamping: info.lastNodeUID))),
        ]
        return .map(fields.map { (.simpleString($0.0), $0.1) })
    }
}
