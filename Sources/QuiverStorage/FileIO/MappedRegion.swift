/// A read-only view of a file's bytes that owns its memory (an `mmap` region or a private copy)
/// and releases it when the last reference goes away.
///
/// The bytes are reached only inside ``withUnsafeBytes(_:)`` or ``withBytes(_:)``; no pointer
/// escapes. A mapping of a file that is later truncated by another process can fault (`SIGBUS`)
/// when read: the engine never truncates a file it has mapped.
public final class MappedRegion: @unchecked Sendable {  // immutable after init; the memory is read-only
    private let base: UnsafeRawPointer?
    /// The number of bytes in the region.
    public let count: Int
    private let release: @Sendable (UnsafeRawPointer, Int) -> Void

    /// Takes ownership of `count` bytes at `base`; `release` frees them (for example `munmap`).
    ///
    /// - Precondition: `base` is non-nil when `count > 0`.
    package init(
        unsafeBaseAddress base: UnsafeRawPointer?, count: Int,
        release: @escaping @Sendable (UnsafeRawPointer, Int) -> Void
    ) {
        precondition(count >= 0 && (count == 0 || base != nil), "mapped region without memory")
        self.base = base
        self.count = count
        self.release = release
    }

    /// A region holding a private copy of `bytes` (what simulated file systems map).
    package convenience init(copying bytes: [UInt8]) {
        guard !bytes.isEmpty else {
            self.init(unsafeBaseAddress: nil, count: 0) { _, _ in }
            return
        }
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        memory.copyBytes(from: bytes)
        self.init(unsafeBaseAddress: UnsafeRawPointer(memory.baseAddress), count: bytes.count) { base, _ in
            base.deallocate()
        }
    }

    deinit {
        if let base { release(base, count) }
    }

    /// Calls `body` with the region's bytes.
    ///
    /// - Parameter body: Reads the bytes; the buffer must not escape the closure.
    /// - Returns: What `body` returns.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Calls `body` with the region's bytes as a span.
    ///
    /// - Parameter body: Reads the bytes.
    /// - Returns: What `body` returns.
    public func withBytes<R, E: Error>(_ body: (RawSpan) throws(E) -> R) throws(E) -> R {
        let buffer = UnsafeRawBufferPointer(start: base, count: count)
        return try body(buffer.bytes)
    }
}
