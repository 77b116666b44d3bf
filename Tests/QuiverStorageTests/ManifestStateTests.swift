import QuiverStorage
import Testing

@Suite struct ManifestStateTests {
    let segment = ManifestEditTests.segment

    @Test func foldsEdits() throws {
        var state = ManifestState()
        #expect(state.nextFileNumber == 1 && state.checkpointSequence == 0 && state.segments.isEmpty)
        state = try state.applying(
            ManifestEdit(
                nextFileNumber: 10, addedSegments: [segment(4, "a", 0), segment(2, "a", 0)], catalogSet: ["a": [1]]))
        state = try state.applying(
            ManifestEdit(nextFileNumber: 5, checkpointSequence: 7, removedSegments: [4], catalogSet: ["b": [2]]))
        #expect(state.nextFileNumber == 10, "never lowered")
        #expect(state.checkpointSequence == 7)
        #expect(state.segments.map(\.number) == [2])
        #expect(state.catalog == ["a": [1], "b": [2]])
        state = try state.applying(ManifestEdit(catalogSet: ["a": [3]], catalogRemoved: ["b"]))
        #expect(state.catalog == ["a": [3]])
        let rebuilt = try ManifestState().applying(state.snapshot())
        #expect(rebuilt == state)
    }

    @Test func refusesEditsThatDoNotFit() throws {
        let state = try ManifestState().applying(
            ManifestEdit(checkpointSequence: 5, addedSegments: [segment(1, "a", 0)], catalogSet: ["a": []]))
        expectStorageError(.invalidArgument) { try state.applying(ManifestEdit(checkpointSequence: 4)) }
        expectStorageError(.invalidArgument) { try state.applying(ManifestEdit(removedSegments: [2])) }
        expectStorageError(.invalidArgument) { try state.applying(ManifestEdit(addedSegments: [segment(1, "a", 0)])) }
        expectStorageError(.invalidArgument) {
            try state.applying(ManifestEdit(addedSegments: [segment(3, "a", 0), segment(3, "a", 0)]))
        }
        expectStorageError(.invalidArgument) {
            try state.applying(ManifestEdit(addedSegments: [segment(1, "a", 0)], removedSegments: [1]))
        }
        expectStorageError(.invalidArgument) { try state.applying(ManifestEdit(catalogRemoved: ["zz"])) }
        expectStorageError(.invalidArgument) {
            try state.applying(ManifestEdit(catalogSet: ["a": [1]], catalogRemoved: ["a"]))
        }
        expectStorageError(.invalidArgument) { try state.applying(ManifestEdit(nextFileNumber: .max)) }
    }
}
