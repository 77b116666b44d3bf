import QuiverStorage
import QuiverTestSupport
import SystemPackage
import Testing

@testable import QuiverEngine

/// T16 on real traces: the engine's own I/O, recorded by ``TracingFileIO`` through a workload of
/// acknowledged writes (durability `always`), flushes, a compaction, log rotation and deletion,
/// manifest rolls, a backup and a reopen, breaks none of the auditor's rules; and the same
/// trace with one event moved or removed breaks the rule that event serves.
@Suite struct IOOrderingTraceTests {
    typealias Event = IOOrderingAuditor.Event

    /// What one run of ``workload(durability:)`` traced.
    struct Traces {
        /// The data directory's trace from the first open to the first close.
        var first: [IOOrderingAuditor.Event]
        /// The data directory's trace of the reopen (starting with the manifest found there).
        var reopened: [IOOrderingAuditor.Event]
        /// The backup directory's trace.
        var backup: [IOOrderingAuditor.Event]
        /// The trace of the directory holding both.
        var parent: [IOOrderingAuditor.Event]
        /// What the tracers could not annotate.
        var problems: [String]
    }

    /// Commits `batch` and records its acknowledgement at the log position the engine reports.
    private static func acked(_ batch: WriteBatch, _ engine: StorageEngine, _ tracer: TracingFileIO) throws {
        let sequence = try engine.write(batch)
        let (file, end) = engine.walPosition
        tracer.recordAck(sequence: sequence, file: file, end: end)
    }

    private static func rows(_ rows: KeyedRows, _ range: Range<Int>) -> WriteBatch {
        var batch = WriteBatch()
        for i in range {
            batch.upsert(rows.key(i), vector: rows.vector(i), attributes: Array("{\"i\":\(i)}".utf8), in: "items")
        }
        return batch
    }

    private static func options(_ fileIO: any FileIO, durability: WALConfiguration.Durability) -> EngineOptions {
        var options = testOptions(durability: durability)
        options.fileIO = fileIO
        // Small enough that the workload's edits roll the manifest (CURRENT replaced) a few times.
        options.manifest.rollSize = 512
        return options
    }

    /// The workload, run once per durability mode and shared by the tests.
    static func workload(durability: WALConfiguration.Durability) throws -> Traces {
        let rows = KeyedRows(count: 500)
        return try withTemporaryDirectory { dir in
            let live = dir.appending("live")
            let copy = dir.appending("copy")
            let tracer = TracingFileIO(wrapping: PosixFileIO())
            let engine = try StorageEngine.open(directory: live, options: options(tracer, durability: durability))
            var create = WriteBatch()
            var definition = CollectionDefinition(name: "items", dimension: rows.dimension, metric: .l2)
            definition.index.m = 8
            definition.index.efConstruction = 32
            create.createCollection(definition)
            create.createTable(TableDefinition(name: "notes"))
            try acked(create, engine, tracer)
            for chunk in 0..<4 {
                // Several acknowledged writes per flush, so each log file holds a few records.
                for part in 0..<4 {
                    let start = chunk * 100 + part * 25
                    try acked(Self.rows(rows, start..<start + 25), engine, tracer)
                }
                var other = WriteBatch()
                other.delete(rows.key(chunk * 100 + 3), in: "items")
                other.put(Array("note \(chunk)".utf8), forKey: Key("n\(chunk)"), in: "notes")
                try acked(other, engine, tracer)
                try engine.flush()
            }
            try engine.compact("items")
            try engine.compact("notes")
            try acked(Self.rows(rows, 400..<450), engine, tracer)
            try engine.backup(to: copy)
            try acked(Self.rows(rows, 450..<500), engine, tracer)
            try engine.close()

            let again = TracingFileIO(wrapping: PosixFileIO())
            let reopened = try StorageEngine.open(directory: live, options: options(again, durability: durability))
            #expect(try reopened.count(in: "items") == 496)
            var delete = WriteBatch()
            delete.delete(rows.key(7), in: "items")
            try acked(delete, reopened, again)
            try reopened.flush()
            try reopened.compact("items")
            try reopened.close()
            let restored = try StorageEngine.open(directory: copy, options: testOptions())
            #expect(try restored.count(in: "items") == 446)
            try restored.close()
            return Traces(
                first: tracer.trace(of: live), reopened: again.trace(of: live), backup: tracer.trace(of: copy),
                parent: tracer.trace(of: dir), problems: tracer.problems + again.problems)
        }
    }

    /// The durability-`always` traces, computed once.
    static let always = Result { try workload(durability: .always) }

    /// Every trace of the workload passes all five rules, and the tracers annotated everything.
    @Test func realEngineTracesHaveNoViolations() throws {
        let traces = try Self.always.get()
        #expect(traces.problems.isEmpty, "\(traces.problems)")
        let auditor = IOOrderingAuditor()
        for (name, trace) in [
            ("first", traces.first), ("reopened", traces.reopened), ("backup", traces.backup),
            ("parent", traces.parent),
        ] {
            #expect(!trace.isEmpty, "the \(name) trace is empty")
            let violations = auditor.audit(trace)
            #expect(violations.isEmpty, "\(name): \(violations.prefix(5))")
        }
    }

    /// The traces hold every kind of event the rules are about, so a clean audit means something.
    @Test func tracesHoldEveryKindOfEvent() throws {
        let traces = try Self.always.get()
        let first = traces.first
        #expect(first.count { if case .ack = $0 { true } else { false } } == 23)
        #expect(
            first.contains {
                if case .rename(let from, let to) = $0 { from.hasSuffix(".tmp") && to.hasSuffix(".seg") } else { false }
            })
        #expect(first.contains { if case .rename(_, "CURRENT") = $0 { true } else { false } })
        // The first manifest, then at least one roll.
        #expect(first.count { if case .rename(_, "CURRENT") = $0 { true } else { false } } >= 2)
        #expect(
            first.contains {
                if case .manifestWrite(_, let references, _, _) = $0 { !references.isEmpty } else { false }
            })
        #expect(
            first.contains { if case .manifestWrite(_, _, let dropping, _) = $0 { !dropping.isEmpty } else { false } })
        #expect(
            first.contains { if case .manifestWrite(_, _, _, let retiring) = $0 { !retiring.isEmpty } else { false } })
        #expect(first.contains { if case .remove(let name) = $0 { name.hasSuffix(".wal") } else { false } })
        #expect(first.contains { if case .remove(let name) = $0 { name.hasSuffix(".seg") } else { false } })
        #expect(first.contains { if case .remove(let name) = $0 { name.hasPrefix("MANIFEST-") } else { false } })
        #expect(first.contains(.syncDirectory))
        // The reopen starts from the manifest it found, and its compaction drops segments.
        guard case .manifestWrite(_, let references, _, _)? = traces.reopened.first else {
            Issue.record("the reopened trace does not start with the manifest found on disk")
            return
        }
        #expect(references.count >= 2)
        #expect(traces.reopened.contains { if case .remove(let name) = $0 { name.hasSuffix(".seg") } else { false } })
        // The backup links segments, copies logs, and writes its own manifest and CURRENT.
        #expect(traces.backup.contains { if case .create(let name) = $0 { name.hasSuffix(".seg") } else { false } })
        #expect(traces.backup.contains { if case .create(let name) = $0 { name.hasSuffix(".wal") } else { false } })
        #expect(traces.backup.contains { if case .rename(_, "CURRENT") = $0 { true } else { false } })
    }

    /// Acknowledging before the log is synced (durability `none`) is caught on the real trace.
    @Test func acknowledgementsWithoutSyncBreakRuleFour() throws {
        let traces = try Self.workload(durability: .none)
        let violations = IOOrderingAuditor().audit(traces.first)
        #expect(violations.contains { $0.rule == 4 })
        #expect(violations.allSatisfy { $0.rule == 4 }, "\(violations.prefix(5))")
    }

    // MARK: Mutations of the real trace

    /// The index of the first event in `trace` matching `predicate`, at or after `start`.
    private static func index(
        in trace: [Event], from start: Int = 0, before end: Int? = nil, last: Bool = false,
        where predicate: (Event) -> Bool
    ) -> Int? {
        let range = start..<(end ?? trace.count)
        return last ? range.last { predicate(trace[$0]) } : range.first { predicate(trace[$0]) }
    }

    /// One mutation of the clean first trace, and the rule it must break.
    enum Mutation: CaseIterable, CustomStringConvertible {
        /// Drop the sync of a segment's temporary file before the manifest edit that references it.
        case segmentNotSynced
        /// Drop the directory syncs between a segment's rename and the manifest edit referencing it.
        case segmentEntryNotSynced
        /// Remove a retired log file before the manifest edit retiring it is synced.
        case logRemovedEarly
        /// Drop the sync of CURRENT's temporary file before its rename.
        case currentNotSynced
        /// Drop the log sync before an acknowledgement.
        case ackBeforeSync
        /// Remove a dropped segment before the manifest edit dropping it is synced.
        case segmentRemovedEarly

        var rule: Int {
            switch self {
            case .segmentNotSynced, .segmentEntryNotSynced: 1
            case .logRemovedEarly: 2
            case .currentNotSynced: 3
            case .ackBeforeSync: 4
            case .segmentRemovedEarly: 5
            }
        }

        var description: String {
            let name =
                switch self {
                case .segmentNotSynced: "segmentNotSynced"
                case .segmentEntryNotSynced: "segmentEntryNotSynced"
                case .logRemovedEarly: "logRemovedEarly"
                case .currentNotSynced: "currentNotSynced"
                case .ackBeforeSync: "ackBeforeSync"
                case .segmentRemovedEarly: "segmentRemovedEarly"
                }
            return "\(name) (rule \(rule))"
        }

        /// The mutated trace, or `nil` when the trace lacks the events to mutate.
        func apply(to trace: [Event]) -> [Event]? {
            var trace = trace
            switch self {
            case .segmentNotSynced, .segmentEntryNotSynced:
                // The first edit referencing a segment that was renamed into place in this trace.
                for (m, event) in trace.enumerated() {
                    guard case .manifestWrite(_, let references, _, _) = event else { continue }
                    for segment in references.sorted() {
                        guard
                            let renamed = IOOrderingTraceTests.index(
                                in: trace, before: m, last: true,
                                where: {
                                    if case .rename(_, segment) = $0 { true } else { false }
                                }), case .rename(let temporary, _) = trace[renamed]
                        else { continue }
                        if self == .segmentNotSynced {
                            guard
                                let sync = IOOrderingTraceTests.index(
                                    in: trace, before: renamed, last: true, where: { $0 == .sync(temporary) })
                            else { return nil }
                            trace.remove(at: sync)
                        } else {
                            let syncs = (renamed..<m).filter { trace[$0] == .syncDirectory }
                            guard !syncs.isEmpty else { return nil }
                            for i in syncs.reversed() { trace.remove(at: i) }
                        }
                        return trace
                    }
                }
                return nil
            case .logRemovedEarly, .segmentRemovedEarly:
                let suffix = self == .logRemovedEarly ? ".wal" : ".seg"
                for (r, event) in trace.enumerated() {
                    guard case .remove(let file) = event, file.hasSuffix(suffix) else { continue }
                    // The manifest write that retired or dropped it, and that write's sync.
                    guard
                        let m = IOOrderingTraceTests.index(
                            in: trace, before: r, last: true,
                            where: {
                                if case .manifestWrite(_, _, let dropping, let retiring) = $0 {
                                    dropping.contains(file) || retiring.contains(file)
                                } else {
                                    false
                                }
                            }), case .manifestWrite(let manifest, _, _, _) = trace[m],
                        let sync = IOOrderingTraceTests.index(in: trace, from: m, where: { $0 == .sync(manifest) })
                    else { continue }
                    trace.remove(at: r)
                    trace.insert(.remove(file), at: sync)
                    return trace
                }
                return nil
            case .currentNotSynced:
                guard
                    let renamed = IOOrderingTraceTests.index(
                        in: trace, where: { if case .rename(_, "CURRENT") = $0 { true } else { false } }),
                    case .rename(let temporary, _) = trace[renamed],
                    let sync = IOOrderingTraceTests.index(
                        in: trace, before: renamed, last: true, where: { $0 == .sync(temporary) })
                else { return nil }
                trace.remove(at: sync)
                return trace
            case .ackBeforeSync:
                // The last acknowledgement's log sync.
                guard
                    let ack = IOOrderingTraceTests.index(
                        in: trace, last: true, where: { if case .ack = $0 { true } else { false } }),
                    case .ack(_, let log, _) = trace[ack],
                    let sync = IOOrderingTraceTests.index(
                        in: trace, before: ack, last: true, where: { $0 == .sync(log) })
                else { return nil }
                trace.remove(at: sync)
                return trace
            }
        }
    }

    /// Each mutation of the clean real trace is reported under its rule.
    @Test(arguments: Mutation.allCases) func mutatedRealTraceFails(_ mutation: Mutation) throws {
        let clean = try Self.always.get().first
        let mutated = try #require(mutation.apply(to: clean), "the trace has no events for \(mutation)")
        #expect(mutated.count <= clean.count)
        let violations = IOOrderingAuditor().audit(mutated)
        #expect(violations.contains { $0.rule == mutation.rule }, "\(mutation): \(violations.prefix(5))")
    }
}
