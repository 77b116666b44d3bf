/// A cursor over untrusted bytes: `read*` moves it, `get*` reads at an explicit offset.
///
/// Every read is bounds-checked and returns `nil` past the end, so a malformed file can never trap.
/// Integers are little-endian and read unaligned, as the dataset formats store them.
package struct ByteCursor {
    /// The bytes read.
    package let bytes: UnsafeRawBufferPointer
    /// Offset of the next `read*`.
    package private(set) var readerIndex: Int = 0

    /// A cursor at the start of `bytes`.
    package init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Bytes left after the cursor.
    package var readableBytes: Int { bytes.count - readerIndex }

    /// The little-endian integer at `offset`, or `nil` when it does not fit in the buffer.
    package func getInteger<T: FixedWidthInteger>(at offset: Int, as type: T.Type = T.self) -> T? {
        guard offset >= 0, offset <= bytes.count, bytes.count - offset >= MemoryLayout<T>.size else { return nil }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// Reads a little-endian integer, or returns `nil` (and stays put) when too few bytes remain.
    package mutating func readInteger<T: FixedWidthInteger>(as type: T.Type = T.self) -> T? {
        guard let value = getInteger(at: readerIndex, as: T.self) else { return nil }
        readerIndex += MemoryLayout<T>.size
        return value
    }

    /// Reads `count` bytes, or returns `nil` (and stays put) when too few remain.
    package mutating func readBytes(count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, count <= readableBytes else { return nil }
        defer { readerIndex += count }
        return UnsafeRawBufferPointer(rebasing: bytes[readerIndex..<readerIndex + count])
    }
}

extension UnsafeRawBufferPointer {
    /// Decodes `count` little-endian 4-byte values starting at `offset` with `convert`.
    ///
    /// - Precondition: the range lies inside the buffer (callers check sizes first).
    func loadLittleEndianWords<T>(
        fromByteOffset offset: Int, count: Int, into output: inout [T], _ convert: (UInt32) -> T
    ) {
        precondition(offset >= 0 && count >= 0 && offset + count * 4 <= self.count, "read past the checked window")
        for i in 0..<count {
            output.append(convert(UInt32(littleEndian: loadUnaligned(fromByteOffset: offset + i * 4, as: UInt32.self))))
        }
    }
}
