import DriverKit
import DriverProtocol
import Testing

/// DriverKit's `PeerChoice`: the rule both built-in drivers use for `sendmessage`'s `peer`.
@Suite struct PeerChoiceTests {
    /// Always the same 64 bits: shows which end of the list the draw lands on (1 and not 0: the
    /// standard library's bounded draw rejects 0 for some bounds and would draw again forever).
    struct Constant: RandomNumberGenerator {
        let value: UInt64
        mutating func next() -> UInt64 { value }
    }

    @Test func aNamedPeerIsUsedOnlyWhenReady() {
        var rng = Constant(value: 1)
        #expect(PeerChoice.pick(requested: "b", ready: ["a", "b", "c"], using: &rng) == "b")
        #expect(PeerChoice.pick(requested: "x", ready: ["a", "b", "c"], using: &rng) == nil)
        #expect(PeerChoice.pick(requested: "a", ready: [], using: &rng) == nil)
        #expect(PeerChoice.pick(requested: nil, ready: [], using: &rng) == nil)
    }

    @Test func anUnnamedRequestDrawsFromTheGenerator() {
        var low = Constant(value: 1), high = Constant(value: .max)
        #expect(PeerChoice.pick(requested: nil, ready: ["a", "b", "c"], using: &low) == "a")
        #expect(PeerChoice.pick(requested: nil, ready: ["a", "b", "c"], using: &high) == "c")
    }

    @Test func unnamedRequestsSpreadEvenly() {
        let ready = ["02aa", "0300", "02ff", "0211"]
        var counts: [String: Int] = [:]
        for _ in 0..<4_000 { counts[PeerChoice.pick(requested: nil, ready: ready) ?? "none", default: 0] += 1 }
        // Expected 1,000 each (sd about 27): 850 is more than 5 sd away.
        #expect(ready.allSatisfy { counts[$0, default: 0] > 850 }, "\(counts)")
    }

    @Test func unavailableIsPeerUnavailableAndSaysWhy() {
        #expect(PeerChoice.unavailable(requested: nil).code == -32004)
        let unknown = PeerChoice.unavailable(requested: "p9")
        #expect(unknown.kind == .peerUnavailable && unknown.message.contains("no peer p9"))
        let notReady = PeerChoice.unavailable(requested: "p1", known: true, why: "handshake not done")
        #expect(notReady.kind == .peerUnavailable && notReady.message.contains("p1 is not ready: handshake not done"))
    }
}
