internal import Quiver
internal import QuiverRESP

extension VectorSetCommands {
    // MARK: VSIM

    /// `VSIM key (ELE element | FP32 blob | VALUES n v…) [WITHSCORES] [WITHATTRIBS] [COUNT n]
    /// [EPSILON d] [EF n] [FILTER expr] [FILTER-EF n] [TRUTH] [NOTHREAD]`.
    ///
    /// A missing key answers an empty array before anything else is checked; then the type, the
    /// query, its dimension, and the options, in Redis's order.
    static func similar(_ context: inout CommandContext) throws(CommandError) -> RESPValue {
        switch try prepareSimilar(context, offloading: false) {
        case .reply(let reply): return reply
        case .offload(let search): return try search().get()
        }
    }

    /// `VSIM` checked on the event loop (every error above), its search left to the search
    /// threads unless NOTHREAD, as Redis does.
    static func offloadSimilar(_ context: inout CommandContext) throws(CommandError) -> CommandOutcome {
        try prepareSimilar(context, offloading: true)
    }

    private static func prepareSimilar(_ context: CommandContext, offloading: Bool) throws(CommandError) -> CommandOutcome {
        let arguments = context.arguments
        guard let (info, snapshot) = try open(context, context.key(1)) else { return .reply(.array([])) }
        var query: [Float]
        var consumed: Int
        if CommandArguments.matches(arguments[2], "ELE") {
            let stored: StoredVector?
            do { stored = try snapshot.get(Key(arguments[3]), in: info.collection) } catch { throw failure(error) }
            guard let stored else { throw .err("element not found in set") }
            query = stored.vector
            consumed = 2
        } else {
            guard let vector = VectorSpecification.parse(arguments, from: 2, allowsReduce: false) else {
                throw .err("invalid vector specification")
            }
            // A projected set takes queries of the input dimension (projected) or of its own.
            query =
                info.isProjected && vector.dimension != info.dimension
                ? try stored(vector.values, in: info) : vector.values
            consumed = vector.consumed
        }
        guard query.count == info.dimension else {
            throw .err("Vector dimension mismatch - got \(query.count) but set has \(info.dimension)")
        }
        let options = try VectorSimilarityOptions.parse(arguments, from: 2 + consumed)
        let protocolVersion = context.protocolVersion
        let search: @Sendable () -> Result<RESPValue, CommandError> = { [query] in
            Result { () throws(CommandError) in
                similarityReply(try Self.search(snapshot, info, query, options), options, protocolVersion: protocolVersion)
            }
        }
        return offloading && !options.noThread ? .offload(search) : .reply(try search().get())
    }

    /// The hits of a `VSIM`, nearest first, cut at COUNT and EPSILON.
    ///
    /// The search explores `max(EF, COUNT)` candidates (EF 100 by default), capped at the set's
    /// size; TRUTH scans every element instead.
    static func search(
        _ snapshot: Snapshot, _ info: VectorSetInfo, _ query: [Float], _ options: VectorSimilarityOptions
    ) throws(CommandError) -> [SearchHit] {
        let size: Int
        do { size = try snapshot.count(in: info.collection) } catch { throw failure(error) }
        let k = min(options.count, size)
        guard k > 0 else { return [] }
        let ef = min(max(options.ef ?? VectorSimilarityOptions.defaultEF, options.count), size)
        let filter = options.filter.map { expression in
            { (attributes: [UInt8]?) in expression.matches(attributes: attributes) }
        }
        var hits: [SearchHit]
        do {
            if options.truth {
                hits = try snapshot.exactSearch(
                    query, k: k, in: info.collection, withAttributes: options.withAttributes, filter: filter)
            } else {
                hits = try snapshot.search(
                    query, k: k, ef: ef, in: info.collection, withAttributes: options.withAttributes, filter: filter)
            }
        } catch { throw failure(error) }
        // Redis compares distance / 2 with EPSILON in f32 and stops at the first one past it.
        let epsilon = Float(options.epsilon)
        if let cut = hits.firstIndex(where: { $0.distance / 2 > epsilon }) { hits.removeSubrange(cut...) }
        return hits
    }

    /// The similarity Redis reports for a cosine distance: `1 - d/2`, in [0, 1].
    static func score(_ distance: Float) -> Double { 1.0 - Double(distance) / 2.0 }

    /// `VSIM`'s reply: names; with WITHSCORES and/or WITHATTRIBS, a flat array in RESP2 (name,
    /// score, attribute: that order whatever the options' order) and a map in RESP3 (name →
    /// score, name → attribute, or name → [score, attribute]).
    static func similarityReply(
        _ hits: [SearchHit], _ options: VectorSimilarityOptions, protocolVersion: RESPProtocolVersion
    ) -> RESPValue {
        func attribute(_ hit: SearchHit) -> RESPValue { hit.attributes.map(bulk) ?? .null }
        switch (options.withScores, options.withAttributes) {
        case (false, false):
            return .array(hits.map { bulk($0.key.bytes) })
        case (true, true) where protocolVersion == .resp3:
            return .map(hits.map { (bulk($0.key.bytes), .array([.double(score($0.distance)), attribute($0)])) })
        case (true, true):
            return .array(hits.flatMap { [bulk($0.key.bytes), .double(score($0.distance)), attribute($0)] })
        case (true, false):
            return .map(hits.map { (bulk($0.key.bytes), .double(score($0.distance))) })
        case (false, true):
            return .map(hits.map { (bulk($0.key.bytes), attribute($0)) })
        }
    }
}
