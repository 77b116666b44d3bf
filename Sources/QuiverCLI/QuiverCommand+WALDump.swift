package import ArgumentParser
internal import QuiverEngine

extension QuiverCommand {
    /// `quiver wal-dump`: every record of a data directory's write-ahead log, one line each.
    package struct WALDumpCommand: ParsableCommand {
        package static let configuration = CommandConfiguration(
            commandName: "wal-dump",
            abstract: "Print every write-ahead log record: file, offset, sequence, size and what the batch does.",
            discussion: """
                Read-only. One line per record: 'FILE:OFFSET seq=N bytes=B' then the batch's operations \
                (kind, collection, keys; never vectors). Damaged regions are skipped and printed, records \
                that do not decode are printed with the error, and reading goes on. Exit status 0, or 66 \
                when the directory does not exist.
                """)

        @Argument(help: ArgumentHelp("The data directory.", valueName: "directory"))
        package var directory: String

        @Option(help: "Print at most N records.")
        package var limit: Int?

        /// Creates the defaults (ArgumentParser fills it in).
        package init() {}

        package func validate() throws {
            if let limit, limit < 0 { throw ValidationError("--limit must not be negative, got \(limit)") }
        }

        package func run() throws {
            var printed = 0
            var files = Set<String>()
            var stopped = false
            do {
                try WALDump.forEachEntry(in: directory) { entry in
                    if let limit, printed >= limit, !(entry.isSkipped) {
                        stopped = true
                        return false
                    }
                    switch entry {
                    case .file(let file, let bytes, let firstSequence):
                        files.insert(file)
                        print("\(file): \(bytes) bytes, first sequence \(firstSequence)")
                    case .record(let file, let offset, let sequence, let bytes, let batch):
                        files.insert(file)
                        printed += 1
                        let what: String
                        switch batch {
                        case .success(let batch): what = batch.summary()
                        case .failure(let error): what = "cannot decode: \(error.message)"
                        }
                        print("\(file):\(offset) seq=\(sequence) bytes=\(bytes) \(what)")
                    case .skipped(let file, let offset, let bytes, let what, let reason):
                        files.insert(file)
                        print("\(file):\(offset) skipped \(bytes) bytes (\(what)): \(reason)")
                    case .unreadable(let file, let reason):
                        files.insert(file)
                        print("\(file): unreadable: \(reason)")
                    }
                    return true
                }
            } catch {
                throw CLIError(error)
            }
            let more = stopped ? " (stopped at --limit)" : ""
            print(
                "\(printed) record\(printed == 1 ? "" : "s") from \(files.count) log file\(files.count == 1 ? "" : "s")\(more)"
            )
        }
    }
}
