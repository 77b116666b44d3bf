/// Writes metrics in the Prometheus text exposition format (version 0.0.4): a `# HELP` and a
/// `# TYPE` line per metric family, then one `name{labels} value` line per sample.
///
/// Hand-written rather than through swift-prometheus's registry: the server's counters already
/// live in ``ServerStatistics``, so a scrape only formats a snapshot, and recording a command
/// never touches a metrics library.
struct PrometheusExposition: Sendable {
    /// The text so far.
    private(set) var text = ""

    /// An empty exposition.
    init() {}

    /// The media type of the format, for `Content-Type`.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Starts metric family `name` of `type` (`counter`, `gauge`, `histogram`).
    mutating func family(_ name: String, type: String, help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    /// One sample of `name` with `labels`.
    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.format(value) + "\n"
    }

    /// One sample with an integer value.
    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Int) {
        sample(name, labels, Double(value))
    }

    /// A whole family with a single unlabelled sample.
    mutating func single(_ name: String, type: String, help: String, _ value: Double) {
        family(name, type: type, help: help)
        sample(name, [], value)
    }

    /// The `_bucket` (cumulative, ending with `+Inf`), `_sum` and `_count` samples of one
    /// histogram of `name`.
    ///
    /// - Parameters:
    ///   - bounds: Bucket upper bounds, in the metric's unit.
    ///   - counts: Observations per bucket, not cumulative: one per bound plus the overflow.
    ///   - sum: The observations' sum.
    mutating func histogram(_ name: String, _ labels: [(String, String)], bounds: [Double], counts: [Int], sum: Double) {
        precondition(counts.count == bounds.count + 1, "a histogram needs one count per bound plus the overflow")
        var cumulative = 0
        for (index, bound) in bounds.enumerated() {
            cumulative += counts[index]
            sample(name + "_bucket", labels + [("le", Self.format(bound))], cumulative)
        }
        cumulative += counts[bounds.count]
        sample(name + "_bucket", labels + [("le", "+Inf")], cumulative)
        sample(name + "_sum", labels, sum)
        sample(name + "_count", labels, cumulative)
    }

    /// A label value with `\`, `"` and newlines escaped.
    static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A sample value: integers without a fraction, `NaN`, `+Inf`, `-Inf` spelled as Prometheus
    /// spells them.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
