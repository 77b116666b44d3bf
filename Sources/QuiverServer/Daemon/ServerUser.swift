/// A named user besides `default` (Redis's ACL users, reduced to what quiverd enforces): a
/// password, and whether the user may only read.
///
/// A config file declares one with an ACL-like line, `user NAME on >PASS ~* +@all` (or `+@read`
/// for a read-only user); `AUTH NAME PASS` and `HELLO 3 AUTH NAME PASS` then authenticate as it.
/// A read-only user's commands flagged `write` are refused with `NOPERM`.
public struct ServerUser: Sendable, Hashable {
    /// The name `AUTH` gives (case-sensitive, as in Redis).
    public var name: String
    /// The password `AUTH` must give.
    public var password: String
    /// Whether only commands without the `write` flag are allowed (`+@read`).
    public var isReadOnly: Bool

    /// A user `name` with `password`, read-only when `isReadOnly`.
    public init(name: String, password: String, isReadOnly: Bool = false) {
        self.name = name
        self.password = password
        self.isReadOnly = isReadOnly
    }
}
