internal import Foundation
internal import QuiverEngine
internal import QuiverFilter
internal import QuiverStorage

/// `quiver bench --filter-selectivity S`: filtered vector search through the engine (a FILTER
/// expression over JSON attributes) against search-then-filter, on the built index, both measured
/// against the exact nearest neighbours among the vectors the filter passes.
///
/// Each train row gets `{"bucket": b}` with `b` a seeded hash of the row modulo `round(1 / S)`;
/// the filter is `.bucket == 0`, so about a fraction S of the rows pass.
package struct FilteredRun: Sendable, Equatable {
    /// One measured setting of one method.
    package struct Point: Sendable, Equatable {
        /// `filtered` (the engine's filtered search) or `search-then-filter`.
        package var method: String
        /// `ef` for the filtered search; the number of unfiltered results fetched for the other.
        package var parameter: Int
        package var recall: Double
        package var qps: Double
    }

    /// The fraction of rows that pass.
    package var selectivity: Double
    /// Rows that pass.
    package var passing: Int
    package var points: [Point]

    /// The best throughput of `method` among settings reaching `recall`, if any does.
    package func bestQPS(_ method: String, atRecall recall: Double) -> Double? {
        points.filter { $0.method == method && $0.recall >= recall }.map(\.qps).max()
    }

    static func bucket(ofRow row: Int, buckets: Int) -> Int {
        var h = UInt64(truncatingIfNeeded: row) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        return Int(h % UInt64(buckets))
    }

    static func measure(
        index: HNSWIndex, ids: [UInt32], train: Matrix<Float>, queries: Matrix<Float>, k: Int, efs: [Int], selectivity: Double
    ) throws(CLIError) -> FilteredRun {
        let buckets = max(1, Int((1 / selectivity).rounded()))
        var keys = [Key](repeating: Key([]), count: index.slotCount)
        var attributes = [[UInt8]?](repeating: nil, count: index.slotCount)
        var passingIDs: [UInt32] = []
        for (row, id) in ids.enumerated() {
            keys[Int(id)] = Key(String(row))
            let bucket = bucket(ofRow: row, buckets: buckets)
            attributes[Int(id)] = Array("{\"bucket\":\(bucket)}".utf8)
            if bucket == 0 { passingIDs.append(id) }
        }
        let queryCount = min(queries.rows, 1000)
        do {
            var options = EngineOptions()
            options.backgroundMaintenance = false
            options.fileIO = MemoryFileIO()
            options.wal.durability = .none
            let engine = try StorageEngine.open(directory: "/bench", options: options)
            try engine.createCollection(CollectionDefinition(name: "bench", index: index.configuration))
            try engine.importIndex(index, keys: keys, attributes: attributes, into: "bench")
            let snapshot = engine.snapshot()
            let expression = try FilterExpression(".bucket == 0")

            // Exact neighbours among the passing rows.
            var truth: [Set<Key>] = []
            for q in 0..<queryCount {
                let query = Array(queries.row(q))
                var scored: [(Float, UInt32)] = []
                scored.reserveCapacity(passingIDs.count)
                for id in passingIDs { if let d = try index.distance(from: query, to: id) { scored.append((d, id)) } }
                scored.sort { $0.0 < $1.0 }
                truth.append(Set(scored.prefix(k).map { keys[Int($0.1)] }))
            }
            func run(_ method: String, _ parameter: Int, _ search: ([Float]) throws -> [Key]) throws -> Point {
                let clock = ContinuousClock()
                var hits = 0
                var elapsed = Duration.zero
                for q in 0..<queryCount {
                    let query = Array(queries.row(q))
                    let started = clock.now
                    let found = try search(query)
                    elapsed += clock.now - started
                    hits += found.prefix(k).count { truth[q].contains($0) }
                }
                let expected = truth.reduce(0) { $0 + $1.count }
                return Point(
                    method: method, parameter: parameter, recall: Double(hits) / Double(max(expected, 1)),
                    qps: Double(queryCount) / max(elapsed.seconds, 1e-9))
            }
            var points: [Point] = []
            for ef in efs {
                points.append(try run("filtered", ef) { query in
                    try snapshot.search(query, k: k, ef: max(ef, k), in: "bench") { expression.matches(attributes: $0) }.map(\.key)
                })
            }
            // Search-then-filter needs about k / S unfiltered results to keep k.
            for factor in [0.5, 1, 2, 4, 8] {
                let fetch = min(index.count, max(k, Int(Double(k) * factor / selectivity)))
                points.append(try run("search-then-filter", fetch) { query in
                    try snapshot.search(query, k: fetch, ef: fetch, in: "bench", withAttributes: true)
                        .filter { expression.matches(attributes: $0.attributes) }.map(\.key)
                })
                if fetch == index.count { break }
            }
            try engine.close()
            return FilteredRun(selectivity: Double(passingIDs.count) / Double(max(ids.count, 1)), passing: passingIDs.count, points: points)
        } catch let error as CLIError {
            throw error
        } catch {
            throw .io("--filter-selectivity: \(error)")
        }
    }

    /// The measurements as a table, with the speedup at equal recall.
    package func rendered() -> String {
        var lines = ["filtered search, \(passing) rows pass (selectivity \(String(format3(selectivity))))"]
        lines.append("  method               param   recall      QPS")
        for point in points {
            let method = point.method.padding(toLength: 20, withPad: " ", startingAt: 0)
            lines.append("  \(method) \(String(point.parameter).leftPadded(6))   \(format3(point.recall))   \(String(Int(point.qps)).leftPadded(7))")
        }
        for target in [0.9, 0.95, 0.99] {
            if let filtered = bestQPS("filtered", atRecall: target), let other = bestQPS("search-then-filter", atRecall: target) {
                lines.append("  at recall >= \(target): filtered \(Int(filtered)) QPS, search-then-filter \(Int(other)) QPS, \(format2(filtered / other))x")
            }
        }
        return lines.joined(separator: "\n")
    }

    private func format3(_ value: Double) -> String { String(Double(Int(value * 1000 + 0.5)) / 1000) }
    private func format2(_ value: Double) -> String { String(Double(Int(value * 100 + 0.5)) / 100) }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
