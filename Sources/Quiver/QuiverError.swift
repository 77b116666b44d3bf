/// An error from a ``Database``.
public struct QuiverError: Error, Sendable {}
