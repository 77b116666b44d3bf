import QuiverStorage
import QuiverTestSupport
import Testing

@Suite struct ManifestEditTests {
    static func segment(_ number: UInt64, owner: String = "docs", level: Int = 0) -> SegmentDescriptor {
        SegmentDescriptor(
            number: number, owner: owner, level: level, byteCount: Int(number) * 1000, recordCount: Int(number) * 10,
            minSequence: number, maxSequence: number * 2)
    }

    static let full = ManifestEdit(
        nextFileNumber: 99, checkpointSequence: 1234, addedSegments: [segment(7), segment(3, owner: "é🙂", level: 2)],
        removedSegments: [5, 1], catalogSet: ["docs": [1, 2, 3], "empty": []], catalogRemoved: ["old"])

    @Test(arguments: [ManifestEdit(), ManifestEdit(nextFileNumber: 0), ManifestEdit(checkpointSequence: .max), full])
    func roundTrips(edit: ManifestEdit) throws {
        let decoded = try ManifestEdit(encoded: edit.encoded())
        #expect(decoded.nextFileNumber == edit.nextFileNumber && decoded.checkpointSequence == edit.checkpointSequence)
        #expect(Set(decoded.addedSegments.map(\.number)) == Set(edit.addedSegments.map(\.number)))
        #expect(
            decoded.addedSegments.sorted { $0.number < $1.number }
                == edit.addedSegments.sorted { $0.number < $1.number })
        #expect(decoded.removedSegments.sorted() == edit.removedSegments.sorted())
        #expect(
            decoded.catalogSet == edit.catalogSet && decoded.catalogRemoved.sorted() == edit.catalogRemoved.sorted())
        #expect(decoded.encoded() == edit.encoded(), "the encoding is canonical")
    }

    @Test func theEncodingIsTheDocumentedOne() {
        let edit = ManifestEdit(nextFileNumber: 2, removedSegments: [9], catalogRemoved: ["a"])
        #expect(edit.encoded() == [1, 2, 0, 0, 0, 0, 0, 0, 0, 4, 9, 0, 0, 0, 0, 0, 0, 0, 6, 1, 0, 0, 0, 0x61])
        #expect(ManifestEdit().encoded() == [])
    }

    @Test func everyTruncationAndBadTagIsCorruptionNotATrap() throws {
        let bytes = Self.full.encoded()
        for length in 0..<bytes.count {
            do {
                _ = try ManifestEdit(encoded: Array(bytes.prefix(length)))
                // Some prefixes end on a field boundary and are valid edits.
            } catch {
                #expect(error.code == .corruption)
            }
        }
        expectStorageError(.corruption) { try ManifestEdit(encoded: [0]) }
        expectStorageError(.corruption) { try ManifestEdit(encoded: [7]) }
        expectStorageError(.corruption) {
            try ManifestEdit(encoded: [1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0])
        }
        // A string length far past the end.
        expectStorageError(.corruption) { try ManifestEdit(encoded: [6, 0xFF, 0xFF, 0xFF, 0xFF, 0x61]) }
        // Not UTF-8.
        expectStorageError(.corruption) { try ManifestEdit(encoded: [6, 1, 0, 0, 0, 0xFF]) }
        // A name both set and removed.
        expectStorageError(.corruption) {
            try ManifestEdit(encoded: [6, 1, 0, 0, 0, 0x61, 5, 1, 0, 0, 0, 0x61, 0, 0, 0, 0])
        }
        // A byte count beyond Int.
        var oversized: [UInt8] = [3] + [UInt8](repeating: 0, count: 8 + 4) + [UInt8](repeating: 0xFF, count: 8)
        oversized += [UInt8](repeating: 0, count: 24 + 4)
        expectStorageError(.corruption) { try ManifestEdit(encoded: oversized) }
    }

    @Test func randomBytesNeverTrap() throws {
        var rng = SeededGenerator(seed: 77)
        let valid = Self.full.encoded()
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if let edit = try? ManifestEdit(encoded: bytes) {
                #expect(try ManifestEdit(encoded: edit.encoded()).encoded() == edit.encoded())
            }
        }
    }
}

extension ManifestEditTests {
    /// A field that may appear once, twice; a catalog name set twice: corruption at the repeat.
    @Test func repeatedFieldsAreCorruption() {
        let checkpoint: [UInt8] = [2] + [UInt8](repeating: 0, count: 8)
        let twice = expectStorageError(.corruption) { try ManifestEdit(encoded: checkpoint + checkpoint) }
        #expect(twice?.message == "manifest edit: checkpointSequence appears twice" && twice?.offset == 9)
        let set: [UInt8] = [5, 1, 0, 0, 0, 0x61, 0, 0, 0, 0]
        let name = expectStorageError(.corruption) { try ManifestEdit(encoded: set + set) }
        #expect(name?.message == "manifest edit: catalog name appears twice" && name?.offset == 10)
        let removed: [UInt8] = [6, 1, 0, 0, 0, 0x61]
        let again = expectStorageError(.corruption) { try ManifestEdit(encoded: removed + removed) }
        #expect(again?.message == "manifest edit: catalog name appears twice" && again?.offset == 6)
    }
}
