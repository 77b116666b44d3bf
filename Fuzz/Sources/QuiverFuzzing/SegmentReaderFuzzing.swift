internal import QuiverStorage
internal import SystemPackage

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Reads `data` as a segment file, through a real file and a real `mmap`, and reads every
/// section and record; traps only if the reader does. The first bytes are also fed to each block
/// codec as a stored block.
///
/// Besides "never trap", it checks what the reader promises: every section view lies inside the
/// file and has its table length, and a record read twice is the same.
public func fuzzSegmentReader(_ data: UnsafeRawBufferPointer) {
    let bytes = Array(data)
    fuzzBlockCodecs(bytes)
    let io = PosixFileIO()
    let path = FilePath("/tmp/quiver-fuzz-segment-\(getpid()).bin")
    do {
        let file = try io.open(path, access: .readWrite, options: [.create, .truncate])
        defer { try? io.close(file) }
        try io.write(file, toAbsoluteOffset: 0, bytes)
    } catch {
        preconditionFailure("cannot write the fuzz input: \(error)")
    }
    defer { try? io.remove(path) }
    guard let segment = try? SegmentFile.open(fileIO: io, path: path) else { return }
    precondition(segment.byteCount == bytes.count, "open accepted a size its footer does not state")
    for section in segment.sections {
        guard let view = segment.section(section.kind) else {
            preconditionFailure("listed section \(section.kind) is missing")
        }
        precondition(
            view.count == section.length && section.offset + section.length <= bytes.count, "section outside the file")
        _ = try? segment.verifySection(section.kind)
        guard section.isCompressed, var reader = try? segment.compressedSection(section.kind) else { continue }
        // A damaged block fails each of its records; a few thousand reads cover every block that matters.
        for index in 0..<min(reader.count, 4096) {
            if let record = try? reader.record(index) {
                precondition((try? reader.record(index)) == record, "a record read twice differs")
            }
        }
    }
    _ = try? segment.verifyAll()
}

/// Decompresses the input (after a 2-byte raw size) with every codec; output must have the declared size.
private func fuzzBlockCodecs(_ bytes: [UInt8]) {
    guard bytes.count >= 2 else { return }
    let rawCount = Int(bytes[0]) | Int(bytes[1]) << 8
    let stored = Array(bytes.dropFirst(2))
    for codec in [BlockCodec.none, .zstd(), .lz4] {
        if let output = try? codec.decompress(stored, rawCount: rawCount) {
            precondition(output.count == rawCount, "\(codec) returned \(output.count) bytes, \(rawCount) declared")
        }
    }
}
