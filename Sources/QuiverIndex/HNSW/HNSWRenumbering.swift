/// A permutation of an index's ids applied while its image is exported: `order[newID] = oldID`,
/// and the inverse that translates neighbour ids.
///
/// The parts are produced run by run: each run gathers the slots of consecutive new ids into a
/// scratch buffer and rewrites the neighbour ids in it, so the renumbered image never exists in
/// memory as a whole.
struct HNSWRenumbering {
    /// `order[newID] = oldID`.
    let order: [UInt32]
    /// `inverse[oldID] = newID`.
    let inverse: [UInt32]

    /// Bytes a gathering run's scratch buffer holds (at least one slot).
    let runBytes: Int

    /// Checks that `order` is a permutation of `0..<count` and builds its inverse.
    ///
    /// - Parameter runBytes: scratch bytes per run; the default 1 MiB keeps the calls to a
    ///   consumer few and the buffer within the L2 cache while it is filled and written.
    /// - Throws: `IndexError.invalidArgument` naming the first id out of range or repeated.
    init(order: [UInt32], count: Int, runBytes: Int = 1 << 20) throws(IndexError) {
        guard order.count == count else {
            throw .invalidArgument("renumbering has \(order.count) ids, the index has \(count) slots")
        }
        // Ids stay below UInt32.max (`allocate` guarantees it), so it cannot be a real new id.
        var inverse = [UInt32](repeating: .max, count: count)
        for (newID, oldID) in order.enumerated() {
            guard Int(oldID) < count else {
                throw .invalidArgument("renumbering names id \(oldID) at \(newID), past the \(count) slots")
            }
            guard inverse[Int(oldID)] == .max else {
                throw .invalidArgument("renumbering names id \(oldID) twice (again at \(newID))")
            }
            inverse[Int(oldID)] = UInt32(newID)
        }
        self.order = order
        self.inverse = inverse
        self.runBytes = runBytes
    }

    /// The packed entry point `(level << 32) | id` with its id translated; the empty entry as is.
    func translatedEntry(_ packed: UInt64) -> UInt64 {
        guard packed != HNSWIndex.emptyEntry else { return packed }
        let id = UInt32(truncatingIfNeeded: packed)
        return packed & ~0xFFFF_FFFF | UInt64(newID(id))
    }

    /// The new id of `old`; an id outside the permutation (only a damaged image holds one) is kept,
    /// and searches skip it as they would have before.
    @inline(__always)
    func newID(_ old: UInt32) -> UInt32 { Int(old) < inverse.count ? inverse[Int(old)] : old }

    /// Calls `body` with the bytes of `part` of the renumbered image, in runs.
    func forEachRun(
        of part: HNSWImagePart, index: HNSWIndex, slotCount: Int, blockCount: Int,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        switch part {
        case .nodes:
            // Record: [lock u8, level u8, state u8, capacity u8, upper block u32, count u32, ids…].
            // The upper block index stays: blocks keep their places.
            let capacity = index.maxNeighbors0
            try gather(index.nodes, count: slotCount, body) { record in
                translate(list: record + 8, capacity: capacity)
            }
        case .vectors:
            try gather(index.vectors, count: slotCount, body) { _ in }
        case .originals:
            guard let originals = index.originals else { return }
            try gather(originals, count: slotCount, body) { _ in }
        case .upper:
            // Blocks are not per id: each keeps its place, and only the ids in it change.
            let buffer = index.upper
            let stride = buffer.stride
            let capacity = index.maxNeighbors
            try withScratch(byteCount: stride << buffer.chunkShift) { scratch in
                try buffer.forEachRun(count: blockCount) { run in
                    scratch.copyMemory(from: run.baseAddress!, byteCount: run.count)
                    for offset in Swift.stride(from: 0, to: run.count, by: stride) {
                        translate(list: scratch + offset, capacity: capacity)
                    }
                    try body(UnsafeRawBufferPointer(start: scratch, count: run.count))
                }
            }
        }
    }

    /// Emits the slots of `buffer` in new-id order: each run copies the slots of the next new ids
    /// into scratch, lets `rewrite` adjust each copied slot, and passes the run to `body`.
    private func gather(
        _ buffer: ChunkedBuffer, count: Int, _ body: (UnsafeRawBufferPointer) throws -> Void,
        rewrite: (UnsafeMutableRawPointer) -> Void
    ) rethrows {
        let stride = buffer.stride
        let perRun = max(1, runBytes / stride)
        try withScratch(byteCount: min(perRun, max(count, 1)) * stride) { scratch in
            try order.withUnsafeBufferPointer { order in
                var start = 0
                while start < count {
                    let n = min(perRun, count - start)
                    for i in 0..<n {
                        let slot = scratch + i &* stride
                        slot.copyMemory(from: buffer.slot(Int(order[start + i])), byteCount: stride)
                        rewrite(slot)
                    }
                    try body(UnsafeRawBufferPointer(start: scratch, count: n * stride))
                    start += n
                }
            }
        }
    }

    /// Translates the ids of a neighbour list `[count u32, ids u32 × capacity]` in place; only the
    /// first `count` (clamped to `capacity`) are ids, the rest are stale and stay as they are.
    @inline(__always)
    private func translate(list: UnsafeMutableRawPointer, capacity: Int) {
        let count = min(Int(list.load(as: UInt32.self)), capacity)
        for j in 0..<count {
            let offset = 4 &+ 4 &* j
            list.storeBytes(
                of: newID(list.load(fromByteOffset: offset, as: UInt32.self)), toByteOffset: offset, as: UInt32.self)
        }
    }

    private func withScratch(byteCount: Int, _ body: (UnsafeMutableRawPointer) throws -> Void) rethrows {
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        defer { scratch.deallocate() }
        try body(scratch)
    }
}
