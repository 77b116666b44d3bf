/// Settings of a `quiverd` server.
public struct ServerConfiguration: Sendable {
    /// A configuration with the defaults.
    public init() {}
}
