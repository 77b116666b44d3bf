internal import CLZ4
internal import CZstd

/// How a block of bytes is compressed: not at all, with zstd, or with LZ4 (block format).
///
/// A codec is a value: compressing needs no state kept between blocks, and a block is
/// decompressed knowing only its codec and its raw size, which the container stores beside it.
/// Decompression never produces more than the declared raw size (no decompression bombs) and
/// reports malformed input as ``StorageError/Code/corruption``, with the library's own error name
/// (`ZSTD_getErrorName`), never a trap.
public enum BlockCodec: Sendable, Hashable, CustomStringConvertible {
    /// Bytes stored as they are.
    case none
    /// Zstandard, one frame per block, at `level` (1 fast … 19 small; negative levels are faster still).
    case zstd(level: Int = 3)
    /// LZ4 block format (`LZ4_compress_default`): fastest to decompress, larger output.
    case lz4

    /// The codec's identifier in stored files: 0 none, 1 zstd, 2 lz4.
    public var identifier: UInt8 {
        switch self {
        case .none: 0
        case .zstd: 1
        case .lz4: 2
        }
    }

    /// The codec a stored identifier names (zstd at its default level), or `nil` for an unknown one.
    public init?(identifier: UInt8) {
        switch identifier {
        case 0: self = .none
        case 1: self = .zstd()
        case 2: self = .lz4
        default: return nil
        }
    }

    /// `none`, `zstd(3)` or `lz4`.
    public var description: String {
        switch self {
        case .none: "none"
        case .zstd(let level): "zstd(\(level))"
        case .lz4: "lz4"
        }
    }

    /// The largest block either library accepts in one call: LZ4's `LZ4_MAX_INPUT_SIZE`.
    public static let maxBlockSize = 0x7E00_0000

    /// Compresses `bytes` into one self-contained block.
    ///
    /// - Parameter bytes: The raw block.
    /// - Returns: The stored form; decompress it with the same codec and `bytes.count`.
    /// - Precondition: `bytes.count <= BlockCodec.maxBlockSize` (callers cut data into blocks).
    /// - Complexity: O(`bytes.count`).
    public func compress(_ bytes: [UInt8]) -> [UInt8] {
        precondition(bytes.count <= Self.maxBlockSize, "block of \(bytes.count) bytes is too large to compress")
        switch self {
        case .none:
            return bytes
        case .zstd(let level):
            let bound = ZSTD_compressBound(bytes.count)
            var output = [UInt8](repeating: 0, count: bound)
            let written = output.withUnsafeMutableBytes { destination in
                Self.withNonNullBytes(bytes) { source, count in
                    ZSTD_compress(destination.baseAddress, bound, source, count, Int32(clamping: level))
                }
            }
            // With a destination of ZSTD_compressBound bytes, compression cannot fail for lack of room;
            // the only other failures are allocation failures.
            precondition(ZSTD_isError(written) == 0, "ZSTD_compress failed: \(Self.zstdErrorName(written))")
            output.removeLast(bound - written)
            return output
        case .lz4:
            let bound = Int(LZ4_compressBound(Int32(bytes.count)))
            var output = [UInt8](repeating: 0, count: max(bound, 1))
            let written = output.withUnsafeMutableBytes { destination in
                Self.withNonNullBytes(bytes) { source, count in
                    LZ4_compress_default(
                        source.assumingMemoryBound(to: CChar.self),
                        destination.baseAddress!.assumingMemoryBound(to: CChar.self),
                        Int32(count), Int32(bound))
                }
            }
            precondition(written > 0, "LZ4_compress_default failed")
            output.removeLast(output.count - Int(written))
            return output
        }
    }

    /// Decompresses one block that must expand to exactly `rawCount` bytes.
    ///
    /// - Parameters:
    ///   - bytes: The stored block.
    ///   - rawCount: The raw size recorded beside the block; the output buffer has exactly this
    ///     size, so a block that would expand further is refused, not followed.
    /// - Returns: The raw block, `rawCount` bytes.
    /// - Throws: ``StorageError/Code/corruption`` for a malformed block (the library's error named)
    ///   or one that expands to a size other than `rawCount`.
    /// - Precondition: `0 <= rawCount <= BlockCodec.maxBlockSize`.
    /// - Complexity: O(`rawCount` + `bytes.count`).
    public func decompress(_ bytes: UnsafeRawBufferPointer, rawCount: Int) throws(StorageError) -> [UInt8] {
        precondition(rawCount >= 0 && rawCount <= Self.maxBlockSize, "raw block size \(rawCount) out of range")
        switch self {
        case .none:
            guard bytes.count == rawCount else {
                throw StorageError(.corruption, "uncompressed block holds \(bytes.count) bytes, \(rawCount) declared")
            }
            return Array(bytes)
        case .zstd:
            // Neither library accepts an empty block (each writes at least a header or a token).
            guard let source = bytes.baseAddress, !bytes.isEmpty else {
                throw StorageError(.corruption, "zstd block is empty")
            }
            // One spare byte keeps the destination pointer valid for empty blocks.
            var output = [UInt8](repeating: 0, count: rawCount + 1)
            let result = output.withUnsafeMutableBytes { destination in
                ZSTD_decompress(destination.baseAddress, rawCount, source, bytes.count)
            }
            if ZSTD_isError(result) != 0 {
                throw StorageError(.corruption, "zstd block does not decode: \(Self.zstdErrorName(result))")
            }
            guard result == rawCount else {
                throw StorageError(.corruption, "zstd block decodes to \(result) bytes, \(rawCount) declared")
            }
            output.removeLast()
            return output
        case .lz4:
            guard let source = bytes.baseAddress, !bytes.isEmpty else {
                throw StorageError(.corruption, "LZ4 block is empty")
            }
            guard bytes.count <= Int(Int32.max) else {
                throw StorageError(.corruption, "LZ4 block of \(bytes.count) bytes is larger than LZ4 allows")
            }
            var output = [UInt8](repeating: 0, count: rawCount + 1)
            let result = output.withUnsafeMutableBytes { destination in
                // LZ4_decompress_safe never writes past `rawCount` nor reads past `bytes.count`.
                LZ4_decompress_safe(
                    source.assumingMemoryBound(to: CChar.self),
                    destination.baseAddress!.assumingMemoryBound(to: CChar.self),
                    Int32(bytes.count), Int32(rawCount))
            }
            guard result >= 0 else { throw StorageError(.corruption, "LZ4 block is malformed (error \(result))") }
            guard Int(result) == rawCount else {
                throw StorageError(.corruption, "LZ4 block decodes to \(result) bytes, \(rawCount) declared")
            }
            output.removeLast()
            return output
        }
    }

    /// Decompresses one block that must expand to exactly `rawCount` bytes.
    ///
    /// - Throws: See ``decompress(_:rawCount:)-(UnsafeRawBufferPointer,_)``.
    public func decompress(_ bytes: [UInt8], rawCount: Int) throws(StorageError) -> [UInt8] {
        let result: Result<[UInt8], StorageError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(StorageError) in try decompress(buffer, rawCount: rawCount) }
        }
        return try result.get()
    }

    /// Calls `body` with a pointer that is never null (C libraries differ on null for empty input).
    private static func withNonNullBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawPointer, Int) -> R) -> R {
        if bytes.isEmpty { return [UInt8(0)].withUnsafeBytes { body($0.baseAddress!, 0) } }
        return bytes.withUnsafeBytes { body($0.baseAddress!, $0.count) }
    }

    private static func zstdErrorName(_ code: Int) -> String {
        guard let name = ZSTD_getErrorName(code) else { return "error \(code)" }
        return String(cString: name)
    }
}
