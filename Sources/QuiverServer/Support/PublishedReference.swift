internal import Synchronization

/// An object that one writer replaces rarely and every command reads: a read is one atomic
/// load, where a lock would make the event loops of all connections contend on its word.
///
/// Every object ever published stays alive until the reference itself is gone, so a reader that
/// loaded one an instant before it was replaced still holds a valid object.
final class PublishedReference<Object: AnyObject & Sendable>: Sendable {
    private let current: Atomic<UInt>
    /// Every object published, retained (replacements are rare: `DEBUG RELOAD`).
    private let published: Mutex<[Object]>

    /// A reference to `object`.
    init(_ object: Object) {
        current = Atomic(UInt(bitPattern: Unmanaged.passUnretained(object).toOpaque()))
        published = Mutex([object])
    }

    /// A reference to nothing yet.
    init() {
        current = Atomic(0)
        published = Mutex([])
    }

    /// The object published last, `nil` before the first.
    var optionalObject: Object? {
        let bits = current.load(ordering: .acquiring)
        guard let pointer = UnsafeRawPointer(bitPattern: bits) else { return nil }
        return Unmanaged<Object>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Which object is published now, as a number that changes with every ``publish(_:)`` of
    /// another object: a cheap check that something resolved from it is still current.
    var identity: UInt { current.load(ordering: .acquiring) }

    /// The object published last (of a reference made with one).
    var object: Object { optionalObject! }

    /// Publishes `object` in place of the current one.
    func publish(_ object: Object) {
        published.withLock { $0.append(object) }
        current.store(UInt(bitPattern: Unmanaged.passUnretained(object).toOpaque()), ordering: .releasing)
    }
}
