/// What the crash child (`quiver-crash-child`) writes and what the crash-loop test expects of it:
/// one collection of 16-dimensional vectors over a fixed key space, each vector a function of its
/// key and the version that wrote it, the version stored in the attributes (reliability spec T3).
///
/// The child reports on standard output, one `write(2)` per line:
/// - `pending <thread> <op> <key...> <version>` before each write,
/// - `ack <sequence> <op> <key...> <version>` after the write returned,
/// - `fail <thread> <message>` when a write threw (then it stops).
///
/// `op` is `upsert`, `delete` or `batch` (2-5 upserts sharing one version). Versions are unique:
/// thread `t` uses even-based `base + 2n + t`, so `version % 2` names the thread of an `ack`.
public enum CrashWorkload: Sendable {
    /// The collection the child writes.
    public static let collection = "items"
    /// The record table the child writes beside it: every batch that sets a key's vector puts the
    /// same version record under the key, and every delete removes it, so the two must agree
    /// after any crash.
    public static let table = "records"
    /// Vector dimension.
    public static let dimension = 16
    /// Keys are `k0` ... `k1999`.
    public static let keySpace = 2000
    /// Writer threads in the child.
    public static let threads = 2

    /// The key with index `index`.
    public static func key(_ index: Int) -> String { "k\(index)" }

    /// The vector that version `version` stores under key index `key`: Gaussian, seeded by both.
    public static func vector(key: Int, version: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: UInt64(key) &* 0x9E37_79B9_7F4A_7C15 ^ version &* 0xC2B2_AE3D_27D4_EB4F)
        return (0..<dimension).map { _ in generator.nextGaussian() }
    }

    /// The attributes that record `version`.
    public static func attributes(version: UInt64) -> [UInt8] { Array("v\(version)".utf8) }

    /// The version recorded in `attributes`, or `nil` when they are not a version record.
    public static func version(fromAttributes attributes: [UInt8]?) -> UInt64? {
        guard let attributes, attributes.first == UInt8(ascii: "v") else { return nil }
        return UInt64(String(decoding: attributes.dropFirst(), as: UTF8.self))
    }
}
