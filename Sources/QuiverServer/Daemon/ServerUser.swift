/// A named user of a `quiverd` server (a config file's `user NAME on >PASSWORD +@all|+@read`
/// line), who authenticates with `AUTH NAME PASSWORD`.
public struct ServerUser: Sendable, Hashable {
    /// The name `AUTH` gives.
    public var name: String
    /// The password `AUTH` must give.
    public var password: String
    /// Whether the user may run only commands that do not write (`+@read`).
    public var isReadOnly: Bool

    /// A user named `name` with `password`, read-only when `isReadOnly`.
    public init(name: String, password: String, isReadOnly: Bool) {
        self.name = name
        self.password = password
        self.isReadOnly = isReadOnly
    }
}
