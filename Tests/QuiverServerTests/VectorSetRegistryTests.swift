import Quiver
import QuiverTestSupport
import Synchronization
import Testing

@testable import QuiverServer

@Suite struct VectorSetRegistryTests {
    @Test func entriesRoundTripAndVersionOneStillReads() throws {
        var info = VectorSetInfo(
            collection: "c", quantization: .binary, m: 4096, dimension: 3, projectionInputDimension: 9, uid: 7)
        info.attributeCount = 12
        info.lastNodeUID = 99
        #expect(try VectorSetInfo(decoding: info.encoded) == info)
        #expect(info.graphM == 128 && info.isProjected)
        // Version 1: the same fields up to the uid, without the counters.
        var v1 = info.encoded
        v1[0] = 1
        v1.removeLast(16)
        let old = try VectorSetInfo(decoding: v1)
        #expect(old.uid == 7 && old.attributeCount == 0 && old.lastNodeUID == 0 && old.m == 4096)
        var newer = info.encoded
        newer[0] = 3
        #expect(throws: EngineError.self) { try VectorSetInfo(decoding: newer) }
        #expect(throws: EngineError.self) { try VectorSetInfo(decoding: Array(info.encoded.dropLast())) }
    }

    @Test func encodings() {
        #expect(VectorQuantization.q8.encoding(dimension: 32768) == .i8)
        #expect(VectorQuantization.q8.encoding(dimension: 32769) == .f32)
        #expect(VectorQuantization.noquant.encoding(dimension: 4) == .f32)
        #expect(VectorQuantization.binary.encoding(dimension: 4) == .binary)
        #expect([VectorQuantization.q8, .noquant, .binary].map(\.name) == ["int8", "f32", "bin"])
    }

    /// Only one holder of a key's lock at a time.
    @Test func keyLocksExclude() {
        let registry = VectorSetRegistry()
        let inside = Atomic<Int>(0)
        let overlaps = Atomic<Int>(0)
        let threads = (0..<4).map { _ in
            TestThread {
                for _ in 0..<2000 {
                    registry.withKeyLock(0, "k") {
                        if inside.add(1, ordering: .relaxed).newValue > 1 { overlaps.add(1, ordering: .relaxed) }
                        inside.subtract(1, ordering: .relaxed)
                    }
                }
            }
        }
        for thread in threads { thread.join() }
        #expect(overlaps.load(ordering: .relaxed) == 0)
    }
}
