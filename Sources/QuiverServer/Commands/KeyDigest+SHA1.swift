extension KeyDigest {
    /// SHA-1 (FIPS 180-4), the hash Redis's `DEBUG DIGEST` family mixes values with. Used for
    /// fingerprints only, never for security.
    struct SHA1 {
        private var state: (UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0
        )
        private var block: [UInt8] = []
        private var length: UInt64 = 0

        /// An empty hash.
        init() { block.reserveCapacity(64) }

        /// The SHA-1 of `bytes`.
        static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
            var sha = SHA1()
            sha.update(bytes)
            return sha.finish()
        }

        /// Adds `bytes` to the message.
        mutating func update(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                block.append(byte)
                length &+= 1
                if block.count == 64 { compress() }
            }
        }

        /// The 20-byte digest of the message so far.
        mutating func finish() -> [UInt8] {
            let bits = length &* 8
            block.append(0x80)
            if block.count > 56 {
                while block.count < 64 { block.append(0) }
                compress()
            }
            while block.count < 56 { block.append(0) }
            for shift in stride(from: 56, through: 0, by: -8) {
                block.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
            }
            compress()
            var out: [UInt8] = []
            out.reserveCapacity(20)
            for word in [state.0, state.1, state.2, state.3, state.4] {
                for shift in stride(from: 24, through: 0, by: -8) {
                    out.append(UInt8(truncatingIfNeeded: word >> UInt32(shift)))
                }
            }
            return out
        }

        private mutating func compress() {
            var w = [UInt32](repeating: 0, count: 80)
            for i in 0..<16 {
                w[i] =
                    UInt32(block[4 * i]) << 24 | UInt32(block[4 * i + 1]) << 16 | UInt32(block[4 * i + 2]) << 8
                    | UInt32(block[4 * i + 3])
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = x << 1 | x >> 31
            }
            var (a, b, c, d, e) = state
            for i in 0..<80 {
                let f: UInt32
                let k: UInt32
                switch i {
                case 0..<20:
                    f = (b & c) | (~b & d)
                    k = 0x5A82_7999
                case 20..<40:
                    f = b ^ c ^ d
                    k = 0x6ED9_EBA1
                case 40..<60:
                    f = (b & c) | (b & d) | (c & d)
                    k = 0x8F1B_BCDC
                default:
                    f = b ^ c ^ d
                    k = 0xCA62_C1D6
                }
                let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
                e = d
                d = c
                c = b << 30 | b >> 2
                b = a
                a = temp
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
            block.removeAll(keepingCapacity: true)
        }
    }
}
