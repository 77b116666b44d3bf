/// Options of a ``Manifest``, given when it is created or opened.
public struct ManifestConfiguration: Sendable, Hashable {
    // MARK: Rolling

    /// Once the manifest file reaches this many bytes, the next edit starts a new manifest that
    /// holds one snapshot of the whole state. Default 1 MiB: small enough that opening replays
    /// little, large enough that rolls (five syncs each) are rare. Tests lower it to force rolls.
    ///
    /// A manifest also waits until it has grown to twice its first snapshot, so a state larger
    /// than this size does not roll on every edit.
    public var rollSize: Int = 1 << 20

    /// The defaults.
    public init() {}
}
