package import ArgumentParser
internal import QuiverEngine

extension QuiverCommand {
    /// `quiver inspect`: what a data directory holds, read without changing anything.
    package struct Inspect: ParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Show what a data directory holds: manifest, collections, segments, log files, orphans.",
            discussion: """
                Read-only: no recovery, no truncation, no new file. When LOCK is free it is held while \
                reading; when another process holds it the report says the directory is in use. Opens \
                every segment's header, footer and section table and reads every log record; \
                'quiver verify' checks every byte. Exit status 0 when the report was written, 66 when \
                the directory does not exist or holds no database.
                """)

        @Argument(help: ArgumentHelp("The data directory.", valueName: "directory"))
        package var directory: String

        @Flag(help: "Print the report as JSON.")
        package var json = false

        /// Creates the defaults (ArgumentParser fills it in).
        package init() {}

        package func run() throws {
            let report: DataDirectoryReport
            do {
                report = try DataDirectoryInspector(directory: directory).inspect()
            } catch {
                throw CLIError(error)
            }
            print(json ? report.jsonValue.rendered(indent: 1) : report.renderedText())
        }
    }
}
