import DriverKit
import Foundation
import Testing

/// The one inbound-connection cap every listener uses: an address flooding unproven connections
/// cannot keep another address out, proven connections are never evicted.
@Suite struct InboundSlotsTests {
    final class Evictions: @unchecked Sendable {
        private let lock = NSLock()
        private var names: [String] = []
        func add(_ name: String) { lock.withLock { names.append(name) } }
        var all: [String] { lock.withLock { names } }
    }

    @Test func aFloodingAddressIsEvictedForAnotherNeverForItself() throws {
        let slots = InboundSlots(limit: 4)
        let evicted = Evictions()
        var attacker: [InboundSlots.Ticket] = []
        for i in 0..<4 {
            guard case .admitted(let t) = slots.admit(address: "127.0.0.1", evict: { evicted.add("a\(i)") }) else {
                Issue.record("slot \(i) not admitted")
                continue
            }
            attacker.append(t)
        }
        // Full: the attacker's own fifth connection gains nothing by evicting its first.
        guard case .full = slots.admit(address: "127.0.0.1", evict: {}) else { throw Failure("the attacker evicted itself") }
        // Another address evicts the attacker's oldest unproven connection.
        guard case .admittedByEvicting(let honest, let from) = slots.admit(address: "127.0.0.2", evict: { evicted.add("h") }) else {
            throw Failure("the honest peer was refused")
        }
        #expect(from == "127.0.0.1")
        #expect(evicted.all == ["a0"])
        #expect(slots.open == 4)
        // Proven, the honest connection is never evicted; a third address takes another attacker slot.
        slots.proven(honest)
        guard case .admittedByEvicting(_, let second) = slots.admit(address: "127.0.0.3", evict: {}) else { throw Failure("third address refused") }
        #expect(second == "127.0.0.1")
        #expect(evicted.all == ["a0", "a1"])
        // Releasing an evicted ticket is a no-op; releasing a live one frees a slot.
        slots.release(attacker[0])
        #expect(slots.open == 4)
        slots.release(attacker[3])
        #expect(slots.open == 3)
        guard case .admitted = slots.admit(address: "127.0.0.1", evict: {}) else { throw Failure("a free slot was refused") }
        #expect(slots.evicted == 2)
    }

    @Test func provenConnectionsAreNeverEvicted() throws {
        let slots = InboundSlots(limit: 2)
        for _ in 0..<2 {
            guard case .admitted(let t) = slots.admit(address: "10.0.0.1", evict: { Issue.record("a proven connection was evicted") }) else {
                throw Failure("not admitted")
            }
            slots.proven(t)
        }
        guard case .full = slots.admit(address: "10.0.0.2", evict: {}) else { throw Failure("evicted a proven connection") }
        #expect(slots.evicted == 0)
    }

    @Test func zeroSlotsAdmitNone() throws {
        guard case .full = InboundSlots(limit: 0).admit(address: "127.0.0.1", evict: {}) else { throw Failure("admitted with limit 0") }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
