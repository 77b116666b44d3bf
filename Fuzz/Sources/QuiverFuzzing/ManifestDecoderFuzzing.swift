internal import QuiverStorage

/// Decodes `data` as one manifest edit payload and as a whole manifest file image; traps only if
/// the decoder does.
///
/// Besides "never trap", it checks that the encoding is canonical (an edit that decodes
/// re-encodes to bytes that decode to the same encoding) and that the reader never claims to have
/// read past the input.
public func fuzzManifestDecoder(_ data: UnsafeRawBufferPointer) {
    if let edit = try? ManifestEdit(encoded: data) {
        let encoded = edit.encoded()
        guard let again = try? ManifestEdit(encoded: encoded) else {
            preconditionFailure("a decoded edit does not re-decode")
        }
        precondition(again.encoded() == encoded, "the edit encoding is not canonical")
    }
    guard var reader = try? ManifestReader(bytes: Array(data)) else { return }
    var state = ManifestState()
    while true {
        do {
            guard let edit = try reader.next() else { break }
            if let next = try? state.applying(edit) { state = next }
        } catch {
            break
        }
        precondition(reader.offset <= data.count, "the reader went past the input")
    }
    if let dropped = reader.droppedTail {
        precondition(reader.offset + dropped == data.count, "dropped tail does not reach the end")
    }
    precondition((try? ManifestState().applying(state.snapshot())) == state, "a snapshot does not rebuild its state")
}
