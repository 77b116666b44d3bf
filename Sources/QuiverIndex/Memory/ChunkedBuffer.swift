#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif
internal import Synchronization

/// Fixed-stride slots in equal chunks that never move once allocated.
///
/// Growing adds a chunk and never relocates existing slots, so a reader holding a slot's address
/// stays valid while writers append. The chunk directory has a fixed capacity reserved up front
/// (lazily zero-filled pages), so the directory never moves either.
///
/// Thread safety: `ensureCapacity` is serialised by a mutex. A reader may address slot `i` only
/// after learning `i` through an acquire load that follows the grow (ids are published after their
/// slot exists), which orders the directory write before the read.
final class ChunkedBuffer: @unchecked Sendable {  // directory guarded by `growLock` + publication order
    /// Bytes per slot.
    let stride: Int
    /// log2 of slots per chunk.
    let chunkShift: Int
    /// Slots per chunk minus one.
    let chunkMask: Int
    private let directory: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private let maxChunks: Int
    private let chunkBytes: Int
    private let growLock = Locked<Int>(0)  // number of allocated chunks
    private let allocated = Atomic<Int>(0)
    /// Whether the slots live in memory the buffer does not own (a mapped file): they are never
    /// freed here, and the buffer cannot grow.
    let isExternal: Bool

    /// Slots allocated so far: a multiple of the chunk size, or the slot count of an external buffer.
    var capacity: Int { allocated.load(ordering: .acquiring) }

    /// Creates an empty buffer of `stride`-byte slots, `1 << chunkShift` slots per chunk, holding
    /// at most `maxSlots` slots.
    init(stride: Int, chunkShift: Int = 13, maxSlots: Int = 1 << 32) {
        precondition(stride > 0 && chunkShift > 0 && chunkShift < 31)
        self.stride = stride
        self.chunkShift = chunkShift
        self.chunkMask = (1 << chunkShift) - 1
        self.maxChunks = (maxSlots + (1 << chunkShift) - 1) >> chunkShift
        self.chunkBytes = stride << chunkShift
        guard let raw = calloc(maxChunks, MemoryLayout<UnsafeMutableRawPointer?>.stride) else {
            preconditionFailure("out of memory reserving a chunk directory")
        }
        self.directory = raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
        self.isExternal = false
    }

    /// A fixed buffer over `count` contiguous slots at `base` that the caller keeps alive (and,
    /// when it is a read-only mapping, never writes through).
    init(external base: UnsafeRawPointer, stride: Int, count: Int, chunkShift: Int) {
        precondition(stride > 0 && count >= 0 && chunkShift > 0 && chunkShift < 31)
        self.stride = stride
        self.chunkShift = chunkShift
        self.chunkMask = (1 << chunkShift) - 1
        self.chunkBytes = stride << chunkShift
        self.maxChunks = max(1, (count + chunkMask) >> chunkShift)
        guard let raw = calloc(maxChunks, MemoryLayout<UnsafeMutableRawPointer?>.stride) else {
            preconditionFailure("out of memory reserving a chunk directory")
        }
        self.directory = raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
        // Slot i is at base + i × stride: chunk c starts chunkBytes × c in.
        for c in 0..<((count + chunkMask) >> chunkShift) {
            directory[c] = UnsafeMutableRawPointer(mutating: base) + c * chunkBytes
        }
        self.isExternal = true
        allocated.store(count, ordering: .releasing)
    }

    deinit {
        if !isExternal {
            for c in 0..<(capacity >> chunkShift) { munmap(directory[c], chunkBytes) }
        }
        free(directory)
    }

    /// Bytes allocated for slots.
    var allocatedBytes: Int { capacity * stride }

    /// Calls `body` with the bytes of slots `0..<count` in order, one run of whole chunks at a time.
    ///
    /// - Precondition: `count <= capacity`.
    func forEachRun(count: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        precondition(count <= capacity)
        var start = 0
        while start < count {
            let n = min(count - start, (1 << chunkShift) - (start & chunkMask))
            try body(UnsafeRawBufferPointer(start: slot(start), count: n * stride))
            start += n
        }
    }

    /// Makes slots `0..<count` addressable, zero-filled when new.
    ///
    /// - Throws: `IndexError.resourceExhausted` past the maximum or when memory runs out.
    func ensureCapacity(_ count: Int) throws(IndexError) {
        guard count > allocated.load(ordering: .acquiring) else { return }
        guard !isExternal else { throw IndexError(.invalidArgument, "the index is read-only") }
        let result: IndexError? = growLock.withLock { chunks in
            while (chunks << chunkShift) < count {
                guard chunks < maxChunks else {
                    return IndexError(.resourceExhausted, "index is full (\(maxChunks << chunkShift) slots)")
                }
                // Anonymous pages: zero-filled, resident only once touched, and page-aligned so that
                // every slot whose stride is a multiple of 64 starts on a cache line (full-width
                // SIMD loads then never split lines).
                let memory = mmap(nil, chunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                guard let memory, memory != MAP_FAILED else {
                    return IndexError(.resourceExhausted, "out of memory growing the index")
                }
                directory[chunks] = memory
                chunks += 1
                allocated.store(chunks << chunkShift, ordering: .releasing)
            }
            return nil
        }
        if let result { throw result }
    }

    /// The address of slot `index`.
    ///
    /// - Precondition: slot `index` was made addressable by `ensureCapacity` (checked in debug builds).
    @inline(__always)
    func slot(_ index: Int) -> UnsafeMutableRawPointer {
        assert(index >= 0 && directory[index >> chunkShift] != nil)
        // Masking shift and wrapping multiply: the checked forms cost a branch each in search loops,
        // and neither can overflow for an addressable slot.
        return directory[index &>> chunkShift].unsafelyUnwrapped + (index & chunkMask) &* stride
    }

    /// A value copy of the slot geometry for hot loops: locals the compiler need not reload after
    /// every store to memory, as it must for a class's fields.
    ///
    /// - Precondition: used only for slots that exist when it is taken or are published later
    ///   (the directory itself never moves).
    var addresser: SlotAddresser {
        SlotAddresser(directory: directory, chunkShift: chunkShift, chunkMask: chunkMask, stride: stride)
    }
}

/// Slot addressing of a ``ChunkedBuffer`` held in registers.
struct SlotAddresser {
    let directory: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    let chunkShift: Int
    let chunkMask: Int
    let stride: Int

    @inline(__always)
    func slot(_ index: Int) -> UnsafeMutableRawPointer {
        directory[index &>> chunkShift].unsafelyUnwrapped + (index & chunkMask) &* stride
    }
}
