/// One problem that inspecting or verifying a data directory found: what, where, and how bad.
package struct DataDirectoryFinding: Sendable, Hashable, CustomStringConvertible {
    /// How bad a finding is.
    package enum Severity: String, Sendable, Hashable, Comparable {
        /// Something the engine tolerates or cleans up at open (an orphan file, a torn manifest
        /// tail), or a fact worth knowing (the directory is in use).
        case warning
        /// Data that fails a check: the engine refuses to open, refuses a query, or would lose data.
        case damage

        /// Orders warnings before damage.
        package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .damage }
    }

    /// How bad it is.
    package var severity: Severity
    /// The file's name inside the data directory, `nil` for the directory as a whole.
    package var file: String?
    /// The byte offset in ``file`` where the problem starts, when known.
    package var offset: Int64?
    /// The segment section, `2 (vectors)`, when the problem is in one.
    package var section: String?
    /// What is wrong, in one line.
    package var message: String
    /// Whether `quiver verify --fix` repairs it (a torn tail of the newest log file).
    package var isFixable: Bool

    /// A finding.
    package init(
        _ severity: Severity, file: String?, offset: Int64? = nil, section: String? = nil, _ message: String,
        isFixable: Bool = false
    ) {
        self.severity = severity
        self.file = file
        self.offset = offset
        self.section = section
        self.message = message
        self.isFixable = isFixable
    }

    /// `damage: 000004.seg section 2 (vectors) at offset 4096: section checksum mismatch`.
    package var description: String {
        var place: [String] = []
        if let file { place.append(file) }
        if let section { place.append("section \(section)") }
        if let offset { place.append("at offset \(offset)") }
        let location = place.isEmpty ? "" : place.joined(separator: " ") + ": "
        return "\(severity.rawValue): \(location)\(message)\(isFixable ? " (quiver verify --fix repairs this)" : "")"
    }
}
