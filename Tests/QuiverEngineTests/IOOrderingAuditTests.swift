import QuiverTestSupport
import Testing

/// The T16 auditor itself: a clean trace passes and a hand-made bad trace fails each rule.
@Suite struct IOOrderingAuditTests {
    private typealias Event = IOOrderingAuditor.Event

    /// A trace in the engine's intended order (WAL sync before ack, segment and directory sync
    /// before the manifest edit, manifest sync before WAL removal, CURRENT via temp+rename).
    private static let clean: [Event] = [
        .create("000002.wal"), .write("000002.wal", offset: 0, count: 10), .sync("000002.wal"), .syncDirectory,
        .ack(1, walFile: "000002.wal", end: 10),
        .create("000003.seg"), .write("000003.seg", offset: 0, count: 100), .sync("000003.seg"), .syncDirectory,
        .manifestWrite("MANIFEST-000001", references: ["000003.seg"], dropping: [], retiring: ["000001.wal"]),
        .sync("MANIFEST-000001"), .remove("000001.wal"),
        .create("000004.tmp"), .write("000004.tmp", offset: 0, count: 5), .sync("000004.tmp"),
        .rename("000004.tmp", to: "CURRENT"), .syncDirectory,
    ]

    /// One bad trace per rule, with the rule it breaks.
    private static let bad: [(rule: Int, trace: [Event])] = [
        (1, [.create("000003.seg"), .write("000003.seg", offset: 0, count: 100), .sync("000003.seg"),
             .manifestWrite("MANIFEST-000001", references: ["000003.seg"], dropping: [], retiring: []),
             .sync("MANIFEST-000001")]),
        // Written before the segment was durable, though it was by the manifest's own sync.
        (1, [.create("000003.seg"), .write("000003.seg", offset: 0, count: 100),
             .manifestWrite("MANIFEST-000001", references: ["000003.seg"], dropping: [], retiring: []),
             .sync("000003.seg"), .syncDirectory, .sync("MANIFEST-000001")]),
        (2, [.manifestWrite("MANIFEST-000001", references: [], dropping: [], retiring: ["000001.wal"]),
             .remove("000001.wal")]),
        (3, [.create("000004.tmp"), .write("000004.tmp", offset: 0, count: 5), .rename("000004.tmp", to: "CURRENT"),
             .syncDirectory]),
        (3, [.create("000004.tmp"), .write("000004.tmp", offset: 0, count: 5), .sync("000004.tmp"),
             .rename("000004.tmp", to: "CURRENT")]),
        (3, [.write("CURRENT", offset: 0, count: 5), .sync("CURRENT")]),
        (4, [.write("000002.wal", offset: 0, count: 10), .ack(1, walFile: "000002.wal", end: 10)]),
        // The bytes are synced, the new file's directory entry is not.
        (4, [.create("000002.wal"), .write("000002.wal", offset: 0, count: 10), .sync("000002.wal"),
             .ack(1, walFile: "000002.wal", end: 10)]),
        // Synced, then more written below the acknowledged end.
        (4, [.write("000002.wal", offset: 0, count: 10), .sync("000002.wal"), .write("000002.wal", offset: 5, count: 5),
             .ack(1, walFile: "000002.wal", end: 10)]),
        (5, [.manifestWrite("MANIFEST-000001", references: ["000003.seg"], dropping: [], retiring: []),
             .sync("MANIFEST-000001"), .remove("000003.seg")]),
    ]

    /// The clean trace has no violations.
    @Test func cleanTracePasses() {
        #expect(IOOrderingAuditor().audit(Self.clean).isEmpty)
    }

    /// Each bad trace is reported under its rule.
    @Test(arguments: bad.indices) func badTraceFails(_ index: Int) {
        let (rule, trace) = Self.bad[index]
        let violations = IOOrderingAuditor().audit(trace)
        #expect(!violations.isEmpty)
        #expect(violations.allSatisfy { $0.rule == rule }, "\(violations)")
    }
}
