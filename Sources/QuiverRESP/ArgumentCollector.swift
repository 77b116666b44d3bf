internal import NIOCore

/// Where ``RESPRequestParser`` puts a command's arguments as it finds them.
protocol ArgumentCollector {
    /// Starts a command of `count` arguments, dropping anything collected before.
    mutating func begin(count: Int)
    /// Adds the argument `payload`, which is the bytes at `offset` from `buffer`'s reader index.
    mutating func append(_ payload: UnsafeRawBufferPointer, sliceOf buffer: ByteBuffer, at offset: Int)
    /// Drops what was collected for a command that is not complete.
    mutating func abandon()
    /// Sets the arguments of an inline command.
    mutating func setInline(_ arguments: [[UInt8]])
}

/// Arguments as slices of the receive buffer (no bytes copied).
extension Array: ArgumentCollector where Element == ByteBuffer {
    mutating func begin(count: Int) {
        removeAll(keepingCapacity: true)
        reserveCapacity(Swift.min(count, 1024))
    }

    mutating func append(_ payload: UnsafeRawBufferPointer, sliceOf buffer: ByteBuffer, at offset: Int) {
        append(buffer.getSlice(at: buffer.readerIndex + offset, length: payload.count)!)
    }

    mutating func abandon() { removeAll() }

    mutating func setInline(_ arguments: [[UInt8]]) { self = arguments.map { ByteBuffer(bytes: $0) } }
}

/// Arguments copied into byte arrays, reusing the arrays (and their capacity) of the previous
/// command: a command whose arguments nobody kept costs no allocation.
struct ByteArrayCollector: ArgumentCollector {
    private var arrays: [[UInt8]]
    private var used = 0

    /// Takes `arguments`' arrays, leaving it empty until ``finish(into:complete:)``.
    init(reusing arguments: inout [[UInt8]]) {
        arrays = []
        swap(&arrays, &arguments)
        used = arrays.count
    }

    mutating func begin(count: Int) {
        used = 0
        if arrays.capacity < count { arrays.reserveCapacity(Swift.min(count, 1024)) }
    }

    mutating func append(_ payload: UnsafeRawBufferPointer, sliceOf buffer: ByteBuffer, at offset: Int) {
        if used < arrays.count {
            arrays[used].removeAll(keepingCapacity: true)
            arrays[used].append(contentsOf: payload)
        } else {
            arrays.append(Array(payload))
        }
        used += 1
    }

    mutating func abandon() { used = 0 }

    mutating func setInline(_ arguments: [[UInt8]]) {
        arrays = arguments
        used = arguments.count
    }

    /// Hands the arrays back: exactly the command's arguments when `complete`, else all of them
    /// (for the next command to reuse).
    mutating func finish(into arguments: inout [[UInt8]], complete: Bool) {
        if complete, arrays.count > used { arrays.removeLast(arrays.count - used) }
        swap(&arrays, &arguments)
    }
}
