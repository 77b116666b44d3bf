import QuiverEngine
import Testing

@testable import Quiver

@Suite struct StripedLocksTests {
    @Test func orderedGivesEachStripeOnceAscending() {
        let locks = StripedLocks(count: 200)
        #expect(locks.ordered([199, 3, 64, 3, 0, 63, 199, 128]) == [0, 3, 63, 64, 128, 199])
        #expect(locks.ordered([]) == [])
        var generator = SystemRandomNumberGenerator()
        let random = (0..<500).map { _ in Int.random(in: 0..<200, using: &generator) }
        #expect(locks.ordered(random) == Array(Set(random)).sorted())
    }

    @Test func stripesAreStableAndSpreadKeys() {
        let locks = StripedLocks()
        let keys = (0..<1000).map { Key("key-\($0)") }
        let stripes = keys.map { locks.stripe(ofCache: "strings", key: $0) }
        #expect(stripes == keys.map { locks.stripe(ofCache: "strings", key: $0) })
        #expect(stripes.allSatisfy { (0..<256).contains($0) })
        #expect(Set(stripes).count > 200, "1000 keys over 256 stripes leave few empty")
        // The cache name is part of the stripe: the same key in another cache mostly lands elsewhere.
        let other = keys.map { locks.stripe(ofCache: "sessions", key: $0) }
        #expect(zip(stripes, other).filter { $0 == $1 }.count < 50)
        #expect(locks.stripe(of: [1, 2, 3]) == locks.stripe(of: [1, 2, 3]))
    }
}
