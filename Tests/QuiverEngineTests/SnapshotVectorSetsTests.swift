import QuiverEngine
import QuiverIndex
import QuiverStorage
import QuiverTestSupport
import Testing

/// Exact search, stored unit vectors and graph introspection over every part of a collection:
/// rows in the memtable, in a frozen segment, and rows replaced or deleted across them.
@Suite struct SnapshotVectorSetsTests {
    /// 300 rows flushed to a segment, 100 more in the memtable, some of both replaced or deleted.
    private func populated(_ body: (StorageEngine, [Int: [Float]]) throws -> Void) throws {
        let rows = KeyedRows(count: 500)
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions(durability: .none))
            try makeCollection(engine, dimension: rows.dimension, metric: .cosine)
            try insert(rows, 0..<300, into: engine)
            try engine.flush()
            try insert(rows, 300..<400, into: engine)
            var live: [Int: [Float]] = [:]
            for i in 0..<400 { live[i] = rows.vector(i) }
            var batch = WriteBatch()
            for i in stride(from: 0, to: 400, by: 9) {
                batch.delete(rows.key(i), in: "items")
                live[i] = nil
            }
            for i in stride(from: 5, to: 400, by: 11) where live[i] != nil {
                batch.upsert(
                    rows.key(i), vector: rows.vector(i + 100 > 499 ? 0 : i + 100), attributes: nil, in: "items")
                live[i] = rows.vector(i + 100 > 499 ? 0 : i + 100)
            }
            try engine.write(batch)
            try body(engine, live)
            try engine.close()
        }
    }

    private func cosineDistance(_ a: [Float], _ b: [Float]) -> Float {
        var dot: Float = 0
        var na: Float = 0
        var nb: Float = 0
        for i in a.indices {
            dot += a[i] * b[i]
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        return 1 - dot / (na.squareRoot() * nb.squareRoot())
    }

    @Test func exactSearchIsABruteForceOverLiveRows() throws {
        try populated { engine, live in
            let snapshot = engine.snapshot()
            let rows = KeyedRows(count: 500)
            for q in 0..<5 {
                let query = Array(rows.data.query(q))
                let expected = live.map { (key: $0.key, distance: cosineDistance(query, $0.value)) }.sorted {
                    $0.distance < $1.distance
                }
                let hits = try snapshot.exactSearch(query, k: 20, in: "items")
                #expect(hits.count == 20)
                for (hit, want) in zip(hits, expected.prefix(20)) {
                    #expect(abs(hit.distance - want.distance) < 1e-5)
                }
                // The same 20, up to rows whose distances tie with the 20th within rounding.
                let found = Set(hits.map(\.key))
                let cut = expected[19].distance
                #expect(expected.filter { $0.distance < cut - 1e-5 }.allSatisfy { found.contains(Key("k\($0.key)")) })
                #expect(hits.allSatisfy { $0.distance <= cut + 1e-5 })
                // With a filter over attributes: replaced rows have none, so they never pass.
                let filtered = try snapshot.exactSearch(query, k: 400, in: "items", withAttributes: true) {
                    attributes in
                    attributes != nil
                }
                let withAttributes = live.keys.filter { $0 % 11 != 5 || $0 % 9 == 0 }
                #expect(filtered.count == withAttributes.count)
                #expect(
                    filtered.allSatisfy {
                        $0.attributes == Array("{\"i\":\(Int($0.key.description.dropFirst())!)}".utf8)
                    })
            }
            #expect(throws: EngineError.self) { try snapshot.exactSearch([1], k: 3, in: "items") }
            #expect(throws: EngineError.self) {
                try snapshot.exactSearch(Array(repeating: 1, count: 8), k: 3, in: "nope")
            }
        }
    }

    @Test func normalizedVectorsAreUnitVectorsWithTheirLength() throws {
        try populated { engine, live in
            let snapshot = engine.snapshot()
            for (i, vector) in live {
                let stored = try #require(try snapshot.normalizedVector(of: Key("k\(i)"), in: "items"))
                let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
                #expect(abs(stored.norm - length) <= 1e-5 * length)
                for j in vector.indices { #expect(abs(stored.components[j] - vector[j] / length) < 1e-5) }
            }
            #expect(try snapshot.normalizedVector(of: "k0", in: "items") == nil)
        }
    }

    @Test func graphNeighboursNameLiveKeysOfThePartHoldingTheKey() throws {
        try populated { engine, live in
            let snapshot = engine.snapshot()
            #expect(try snapshot.graphMaxLevel(in: "items") != nil)
            for (i, vector) in live {
                let layers = try #require(try snapshot.graphNeighbors(of: Key("k\(i)"), in: "items"))
                #expect(!layers.isEmpty)
                #expect(layers.last!.count >= 1, "every node has a bottom-layer neighbour")
                for neighbor in layers.joined() {
                    let other = try #require(
                        live[Int(neighbor.key.description.dropFirst())!], "\(neighbor.key) is live")
                    #expect(abs(neighbor.distance - cosineDistance(vector, other)) < 1e-4)
                }
            }
            #expect(try snapshot.graphNeighbors(of: "k0", in: "items") == nil)
        }
    }

    /// Zero vectors are stored as zeros in cosine collections, at distance 1 from everything.
    @Test func zeroVectorsInCosineCollections() throws {
        try withTemporaryDirectory { dir in
            let engine = try StorageEngine.open(directory: dir, options: testOptions(durability: .none))
            for encoding in [VectorEncoding.f32, .i8, .binary] {
                var definition = CollectionDefinition(name: "c-\(encoding)", dimension: 4, metric: .cosine)
                definition.index.encoding = encoding
                try engine.createCollection(definition)
                try engine.upsert("zero", vector: [0, 0, 0, 0], in: definition.name)
                try engine.upsert("x", vector: [1, 2, 3, 4], in: definition.name)
                let snapshot = engine.snapshot()
                #expect(try snapshot.get("zero", in: definition.name)?.vector == [0, 0, 0, 0])
                let hits = try snapshot.search([0, 0, 0, 0], k: 2, in: definition.name)
                #expect(hits.map(\.distance) == [1, 1])
                #expect(try snapshot.exactSearch([1, 2, 3, 4], k: 2, in: definition.name).last?.distance == 1)
                #expect(
                    try snapshot.normalizedVector(of: "zero", in: definition.name)
                        == NormalizedVector(components: [0, 0, 0, 0], norm: 0))
            }
            try engine.close()
        }
    }
}
