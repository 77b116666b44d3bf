internal import Quiver

/// The content hash behind `DEBUG DIGEST-VALUE key`: 20 bytes that change when the value does.
///
/// For a string it is Redis's own digest, byte for byte (`xorObjectDigest` in `debug.c`: the
/// type mixed in, then the value, then `!!expire!!` xored in when the key has a time to live),
/// so a string holds the same digest on both servers. For a vector set it is quiverd's: the
/// module type mixed in, then every element in key order (its name, its vector as little-endian
/// f32, and its attributes or a marker for none), so two sets with the same elements, vectors
/// and attributes digest alike.
///
/// The `DEBUG` command and its `--enable-debug-command` gate belong to the server's core; it
/// calls ``digest(of:in:daemon:)`` and prints ``hex(_:)`` (40 zeros for a missing key, as Redis
/// does).
enum KeyDigest {
    /// The digest of `key` in `keyspace`, or `nil` when the key does not exist.
    ///
    /// - Complexity: O(1) for a string beyond hashing its bytes; O(elements) for a vector set.
    static func digest(of key: Key, in keyspace: LogicalDatabase, daemon: Daemon) throws(CommandError) -> [UInt8]? {
        let database = daemon.database
        var digest = [UInt8](repeating: 0, count: 20)
        if let entry = try keyspace.strings(of: daemon).peek(key) {
            mix(&digest, [0, 0, 0, 0])  // htonl(OBJ_STRING)
            mix(&digest, entry.value)
            if entry.deadline != .max { xor(&digest, Array("!!expire!!".utf8)) }
            return digest
        }
        guard let info = daemon.vectorSets.info(keyspace.index, key) else { return nil }
        mix(&digest, [0, 0, 0, 5])  // htonl(OBJ_MODULE)
        let snapshot = database.snapshot()
        do {
            for element in try snapshot.keys(in: info.collection) {
                guard let record = try snapshot.vector(element, in: info.collection) else { continue }
                mix(&digest, element.bytes)
                var vector: [UInt8] = []
                vector.reserveCapacity(record.vector.count * 4)
                for component in record.vector {
                    let bits = component.bitPattern
                    for shift in stride(from: 0, to: 32, by: 8) {
                        vector.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift)))
                    }
                }
                mix(&digest, vector)
                if let attributes = record.rawAttributes { mix(&digest, [1] + attributes) } else { mix(&digest, [0]) }
            }
        } catch { throw CommandError(error) }
        return digest
    }

    /// `digest` in lower-case hexadecimal (what `DEBUG DIGEST-VALUE` prints); `nil` prints 40
    /// zeros.
    static func hex(_ digest: [UInt8]?) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest ?? [UInt8](repeating: 0, count: 20) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Redis's `xorDigest`: xors the SHA-1 of `bytes` into `digest`.
    static func xor(_ digest: inout [UInt8], _ bytes: [UInt8]) {
        let hash = SHA1.hash(bytes)
        for i in 0..<20 { digest[i] ^= hash[i] }
    }

    /// Redis's `mixDigest`: xors the SHA-1 of `bytes` in, then replaces the digest by its SHA-1.
    static func mix(_ digest: inout [UInt8], _ bytes: [UInt8]) {
        xor(&digest, bytes)
        digest = SHA1.hash(digest)
    }
}
