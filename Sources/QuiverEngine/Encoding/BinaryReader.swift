/// Reads what ``BinaryWriter`` wrote, checking every length against the bytes that remain: a
/// damaged input throws ``EngineError/Code/corruption`` and never traps.
package struct BinaryReader {
    private let bytes: [UInt8]
    package private(set) var offset = 0
    /// What is being decoded, for error messages ("write batch", "segment metadata").
    package let context: String

    package init(_ bytes: [UInt8], context: String) {
        self.bytes = bytes
        self.context = context
    }

    package var isAtEnd: Bool { offset == bytes.count }
    package var remaining: Int { bytes.count - offset }

    private func damaged(_ what: String) -> EngineError {
        EngineError(.corruption, "\(context): \(what) at byte \(offset) of \(bytes.count)")
    }

    package mutating func read<T: FixedWidthInteger>(_: T.Type) throws(EngineError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw damaged("truncated \(T.self)") }
        let value = bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        offset += size
        return value
    }

    package mutating func readFloat() throws(EngineError) -> Float { Float(bitPattern: try read(UInt32.self)) }

    package mutating func readDouble() throws(EngineError) -> Double { Double(bitPattern: try read(UInt64.self)) }

    package mutating func readBool() throws(EngineError) -> Bool {
        switch try read(UInt8.self) {
        case 0: return false
        case 1: return true
        default: throw damaged("bad boolean")
        }
    }

    package mutating func readBytes() throws(EngineError) -> [UInt8] {
        let count = Int(try read(UInt32.self))
        guard remaining >= count else { throw damaged("length \(count) past the end") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    package mutating func readString() throws(EngineError) -> String {
        let raw = try readBytes()
        guard let string = String(validating: raw, as: UTF8.self) else { throw damaged("invalid UTF-8") }
        return string
    }

    package mutating func readFloats() throws(EngineError) -> [Float] {
        let count = Int(try read(UInt32.self))
        guard remaining / 4 >= count else { throw damaged("\(count) floats past the end") }
        var out = [Float](repeating: 0, count: count)
        for i in 0..<count { out[i] = try readFloat() }
        return out
    }

    /// Throws unless every byte was read.
    package func finish() throws(EngineError) {
        guard isAtEnd else { throw damaged("\(remaining) unexpected trailing bytes") }
    }
}
