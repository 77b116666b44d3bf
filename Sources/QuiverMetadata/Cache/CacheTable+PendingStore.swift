package import QuiverEngine

extension CacheTable {
    /// An entry a commit stores once its write is published (``storeEvicting(_:)-([PendingStore])``).
    package struct PendingStore: Sendable {
        /// The entry's key.
        package var key: Key
        /// Its value.
        package var value: [UInt8]
        /// Its wall-clock deadline in milliseconds since 1970 (`Int64.max` for none).
        package var deadline: Int64

        /// An entry of `value` under `key` until `deadline`.
        package init(_ key: Key, _ value: [UInt8], deadline: Int64) {
            self.key = key
            self.value = value
            self.deadline = deadline
        }
    }
}
