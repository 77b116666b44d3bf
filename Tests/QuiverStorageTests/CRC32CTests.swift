import QuiverStorage
import QuiverTestSupport
import Testing

@Suite struct CRC32CTests {
    private static let iSCSIReadCommand: [UInt8] = [
        0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
        0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]

    /// RFC 3720 (iSCSI) appendix B.4 test patterns, plus the classic check value.
    static let vectors: [(name: String, bytes: [UInt8], crc: UInt32)] = [
        ("empty", [], 0),
        ("123456789", Array("123456789".utf8), 0xE306_9283),
        ("32 zeros", [UInt8](repeating: 0, count: 32), 0x8A91_36AA),
        ("32 ones", [UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ("ascending", (0..<32).map { UInt8($0) }, 0x46DD_794E),
        ("descending", (0..<32).reversed().map { UInt8($0) }, 0x113F_DB5C),
        ("iSCSI read command", iSCSIReadCommand, 0xD996_3A56),
    ]

    @Test(arguments: vectors.indices, CRC32C.Implementation.allCases)
    func knownVectors(index: Int, implementation: CRC32C.Implementation) {
        let vector = Self.vectors[index]
        let crc = vector.bytes.withUnsafeBytes { CRC32C.checksum($0, implementation: implementation) }
        #expect(crc == vector.crc, "\(vector.name)")
    }

    @Test func extendingEqualsWhole() {
        let whole = CRC32C.checksum(Array("hello world".utf8))
        let extended = CRC32C.checksum(Array("world".utf8), extending: CRC32C.checksum(Array("hello ".utf8)))
        #expect(whole == extended)
    }

    @Test func hardwareMatchesPortableAtEveryLengthAndAlignment() {
        var rng = SeededGenerator(seed: 42)
        let buffer = (0..<(300 + 16)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        buffer.withUnsafeBytes { raw in
            for alignment in 0..<16 {
                for length in 0...300 {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[alignment..<(alignment + length)])
                    let seed = UInt32(truncatingIfNeeded: length &* 2_654_435_761)
                    let portable = CRC32C.checksum(slice, extending: seed, implementation: .portable)
                    let hardware = CRC32C.checksum(slice, extending: seed, implementation: .hardware)
                    #expect(portable == hardware, "length \(length) alignment \(alignment)")
                    if portable != hardware { return }
                }
            }
        }
    }

    @Test func maskIsNotIdentityAndRoundTrips() {
        let crc = CRC32C.checksum(Array("foo".utf8))
        #expect(CRC32C.mask(crc) != crc)
        #expect(CRC32C.mask(CRC32C.mask(crc)) != crc)
        #expect(CRC32C.unmask(CRC32C.mask(crc)) == crc)
        #expect(CRC32C.unmask(CRC32C.unmask(CRC32C.mask(CRC32C.mask(crc)))) == crc)
    }

    @Test func reportsHardwareSupport() {
        #if arch(x86_64)
        // Every x86-64 machine this project runs on has SSE4.2; the test documents which path ran.
        #expect(CRC32C.hasHardwareSupport)
        #else
        #expect(!CRC32C.hasHardwareSupport)
        #endif
    }
}
