internal import ArgumentParser

/// Which vectors `quiver bench --delete` removes.
package enum DeletionPattern: String, Codable, Sendable, CaseIterable {
    /// A seeded uniform sample of rows.
    case random
    /// Whole neighbourhoods: the nearest rows of random seed rows, until the fraction is reached,
    /// the hardest case for graph repair (a region of the graph disappears at once).
    case clusters
}

/// The measurements after deleting part of the index and purging: the same search points as
/// before, against the exact neighbours among the surviving vectors.
package struct DeletionRun: Codable, Sendable, Equatable {
    /// Fraction of the vectors deleted.
    package var fraction: Double
    /// How they were chosen.
    package var pattern: DeletionPattern
    /// Vectors deleted.
    package var deleted: Int
    /// Wall time of the deletes plus the purge that unlinks them and repairs the graph.
    package var deleteSeconds: Double
    /// One point per `ef`, as in the main run.
    package var search: [BenchReport.SearchPoint]
    /// The same points for an index built fresh from the surviving vectors: the recall a repaired
    /// graph should match (deleting a whole region makes its queries harder for any index).
    package var freshBuild: [BenchReport.SearchPoint]

    /// Creates a run.
    package init(
        fraction: Double, pattern: DeletionPattern, deleted: Int, deleteSeconds: Double, search: [BenchReport.SearchPoint],
        freshBuild: [BenchReport.SearchPoint]
    ) {
        self.fraction = fraction
        self.pattern = pattern
        self.deleted = deleted
        self.deleteSeconds = deleteSeconds
        self.search = search
        self.freshBuild = freshBuild
    }

    enum CodingKeys: String, CodingKey {
        case fraction, pattern, deleted, search
        case deleteSeconds = "delete_seconds"
        case freshBuild = "fresh_build"
    }

    /// The JSON object written under `after_delete`.
    var jsonValue: JSONValue {
        .object([
            ("fraction", .number(fraction)), ("pattern", .string(pattern.rawValue)), ("deleted", .integer(deleted)),
            ("delete_seconds", .number(deleteSeconds)), ("search", .array(search.map(\.jsonValue))),
            ("fresh_build", .array(freshBuild.map(\.jsonValue))),
        ])
    }
}
extension DeletionPattern: ExpressibleByArgument {}
