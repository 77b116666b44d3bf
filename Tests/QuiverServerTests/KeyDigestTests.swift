import Quiver
import Testing

@testable import QuiverServer

@Suite struct KeyDigestTests {
    private func hex(_ bytes: [UInt8]) -> String { KeyDigest.hex(bytes) }

    @Test func sha1TestVectors() {
        #expect(hex(KeyDigest.SHA1.hash([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex(KeyDigest.SHA1.hash(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(
            hex(KeyDigest.SHA1.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(
            hex(KeyDigest.SHA1.hash(Array(repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    /// `DEBUG DIGEST-VALUE` of these strings on Redis 7.0.15.
    @Test func stringDigestsAreRedisOwn() async throws {
        try await withHarness { h in
            h.run("SET", "foo", "bar")
            h.run("SET", "e", "")
            h.run("SET", "n", "12345")
            h.run("SET", "t", "hello", "EX", "100")
            h.run([Array("SET".utf8), Array("b".utf8), Array(repeating: Array(0...255), count: 5).flatMap { $0 }])
            let keyspace = h.daemon.keyspaces[0]
            var digests: [String: String] = [:]
            for key in ["foo", "e", "n", "t", "b", "missing"] {
                digests[key] = KeyDigest.hex(try KeyDigest.digest(of: Key(key), in: keyspace, daemon: h.daemon))
            }
            #expect(digests["foo"] == "68467c70ae30376e7ce005bcc8827f5ba7fd67dc")
            #expect(digests["e"] == "8b3447c33a834b810e3e181b6fd6a2ee1020921c")
            #expect(digests["n"] == "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83")
            #expect(digests["t"] == "d037c4eb8a8b36b602fbced4000daeab0714c1e3")
            #expect(digests["b"] == "b8a6ec7cc73c7ca4f0be99bb1325b4435aa4d79e")
            #expect(digests["missing"] == String(repeating: "0", count: 40))
            let missing = try KeyDigest.digest(of: Key("missing"), in: keyspace, daemon: h.daemon)
            #expect(missing == nil)
        }
    }

    @Test func vectorSetDigestsFollowContent() async throws {
        try await withHarness { h in
            try h.makeVectorSet("v1", elements: [("a", [1, 0, 0]), ("b", [0, 1, 0])])
            try h.makeVectorSet("v2", elements: [("b", [0, 1, 0]), ("a", [1, 0, 0])])
            try h.makeVectorSet("v3", elements: [("a", [1, 0, 0]), ("b", [0, 0, 1])])
            let keyspace = h.daemon.keyspaces[0]
            let d1 = try KeyDigest.digest(of: Key("v1"), in: keyspace, daemon: h.daemon)
            let d2 = try KeyDigest.digest(of: Key("v2"), in: keyspace, daemon: h.daemon)
            let d3 = try KeyDigest.digest(of: Key("v3"), in: keyspace, daemon: h.daemon)
            #expect(d1 != nil && d1 == d2)
            #expect(d1 != d3)
        }
    }
}
