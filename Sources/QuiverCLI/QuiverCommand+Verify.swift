package import ArgumentParser
internal import QuiverEngine

extension QuiverCommand {
    /// `quiver verify`: checks every byte of a data directory (reliability spec §8.1 and T15).
    package struct Verify: ParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Check a data directory: every checksum, HNSW invariants, key tables, manifest against files.",
            discussion: """
                Read-only unless --fix is given. Checks each log record's checksum and decoding, the \
                manifest's records, every section and compressed block of every segment, each segment's \
                HNSW invariants and key tables, and that every file the manifest lists exists (a missing \
                file is damage, an orphan a warning). Prints one line per finding, naming the file and \
                offset, then a summary.

                --fix makes the only repair that loses nothing acknowledged: it truncates a torn tail of \
                the newest log file (what the engine itself drops at open), says what it removed, and \
                verifies again. Other damage is left alone.

                EXIT STATUS
                  0   no damage (warnings may be printed)
                  1   damage found (after --fix, damage that remains)
                  64  bad command-line arguments
                  66  the directory does not exist or holds no database
                  74  a file could not be read, or --fix found the directory in use
                """)

        @Argument(help: ArgumentHelp("The data directory.", valueName: "directory"))
        package var directory: String

        @Flag(help: "Truncate a torn tail of the newest log file, then verify again.")
        package var fix = false

        /// Creates the defaults (ArgumentParser fills it in).
        package init() {}

        package func run() throws {
            let inspector = DataDirectoryInspector(directory: directory)
            var report: DataDirectoryReport
            do {
                report = try inspector.verify()
                for finding in report.findings { print(finding) }
                if fix {
                    if report.findings.contains(where: \.isFixable) {
                        if let truncation = try DataDirectoryRepair.truncateTornLogTail(directory: directory) {
                            print(
                                "fixed: truncated \(truncation.file) from \(truncation.oldSize) to \(truncation.newSize) bytes "
                                    + "(removed \(truncation.oldSize - truncation.newSize) bytes: \(truncation.reason))"
                            )
                        }
                        report = try inspector.verify()
                        print("after the fix:")
                        for finding in report.findings { print(finding) }
                    } else {
                        print("nothing for --fix to repair")
                    }
                }
            } catch {
                throw CLIError(error)
            }
            print(Self.summary(report))
            if report.hasDamage { throw ExitCode(1) }
        }

        /// `verified DIR: manifest MANIFEST-000003 (4 records), 2 segments, 1 log file (12 records): clean`.
        static func summary(_ report: DataDirectoryReport) -> String {
            let segments = report.collections.reduce(0) { $0 + $1.segments.count }
            let records = report.logs.reduce(0) { $0 + $1.records }
            let manifest =
                report.manifest.map { "manifest \($0.file) (\($0.records) records)" } ?? "no readable manifest"
            let damage = report.findings.count { $0.severity == .damage }
            let warnings = report.findings.count { $0.severity == .warning }
            var verdict: String
            if damage == 0 {
                verdict = "clean"
                if warnings > 0 { verdict += " (\(plural(warnings, "warning")))" }
            } else {
                verdict = "DAMAGED: \(plural(damage, "problem")), \(plural(warnings, "warning"))"
            }
            return "verified \(report.directory): \(manifest), \(plural(report.collections.count, "collection")), "
                + "\(plural(segments, "segment")), \(plural(report.logs.count, "log file")) (\(plural(records, "record"))): \(verdict)"
        }

        private static func plural(_ count: Int, _ noun: String) -> String {
            "\(count) \(noun)\(count == 1 ? "" : "s")"
        }
    }
}
