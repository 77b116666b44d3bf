import QuiverStorage
import QuiverTestSupport
import Testing

@Suite struct BlockCodecTests {
    static let codecs: [BlockCodec] = [.none, .zstd(), .zstd(level: 19), .zstd(level: -5), .lz4]

    /// `count` bytes, half pseudo-random and half repetitive, so compressors have something to do.
    static func sample(_ count: Int, seed: UInt64 = 3) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        bytes.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                buffer[i] = i % 2 == 0 ? UInt8(truncatingIfNeeded: state) : UInt8(truncatingIfNeeded: i / 64)
            }
        }
        return bytes
    }

    @Test(arguments: codecs, [0, 1, 100, 65_536, 300_000])
    func roundTrips(codec: BlockCodec, count: Int) throws {
        let raw = Self.sample(count)
        let stored = codec.compress(raw)
        #expect(try codec.decompress(stored, rawCount: raw.count) == raw)
        if codec == .none { #expect(stored == raw) }
    }

    @Test func compressesRepetitiveData() {
        let raw = [UInt8](repeating: 7, count: 100_000)
        #expect(BlockCodec.zstd().compress(raw).count < 100)
        #expect(BlockCodec.lz4.compress(raw).count < 1000)
    }

    @Test func identifiersRoundTrip() {
        for codec in [BlockCodec.none, .zstd(), .lz4] {
            #expect(BlockCodec(identifier: codec.identifier) == codec)
        }
        #expect(BlockCodec(identifier: 3) == nil)
        #expect(BlockCodec.zstd(level: 9).identifier == 1)
        #expect("\(BlockCodec.zstd(level: 9))" == "zstd(9)")
    }

    /// A block that expands past its declared size is refused, not followed (no decompression bombs).
    @Test(arguments: [BlockCodec.none, .zstd(), .lz4])
    func refusesOutputLargerOrSmallerThanDeclared(codec: BlockCodec) throws {
        let raw = [UInt8](repeating: 1, count: 50_000)
        let stored = codec.compress(raw)
        expectStorageError(.corruption) { try codec.decompress(stored, rawCount: 1000) }
        expectStorageError(.corruption) { try codec.decompress(stored, rawCount: 60_000) }
    }

    @Test func zstdErrorsUseTheLibraryName() {
        let error = expectStorageError(.corruption) {
            try BlockCodec.zstd().decompress([UInt8](repeating: 1, count: 64), rawCount: 10)
        }
        #expect(error?.message == "zstd block does not decode: Unknown frame descriptor", "\(error!)")
    }

    @Test(arguments: [BlockCodec.zstd(), .lz4])
    func malformedBlocksThrowAndNeverTrap(codec: BlockCodec) {
        let raw = Self.sample(20_000)
        let stored = codec.compress(raw)
        var rng = SeededGenerator(seed: 11)
        expectStorageError(.corruption) { try codec.decompress([], rawCount: 0) }
        for _ in 0..<300 {
            var damaged = stored
            switch Int.random(in: 0..<3, using: &rng) {
            case 0:
                damaged[Int.random(in: 0..<damaged.count, using: &rng)] ^=
                    UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            case 1: damaged.removeLast(Int.random(in: 1..<damaged.count, using: &rng))
            default:
                let start = Int.random(in: 0..<damaged.count, using: &rng)
                for i in start..<min(damaged.count, start + 32) { damaged[i] = UInt8.random(in: 0...255, using: &rng) }
            }
            // Either an error or (rarely, for a change the format cannot see) some output of the declared size.
            if let output = try? codec.decompress(damaged, rawCount: raw.count) { #expect(output.count == raw.count) }
        }
        for size in 0..<64 {
            let garbage = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if let output = try? codec.decompress(garbage, rawCount: 100) { #expect(output.count == 100) }
        }
    }
}
