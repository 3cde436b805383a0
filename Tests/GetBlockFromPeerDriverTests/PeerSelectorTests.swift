import BitcoindRPC
import GetBlockFromPeerDriverCore
import Foundation
import Testing

/// Peer choice for getblockfrompeer, from getpeerinfo entries as bitcoind v26 writes them.
@Suite struct PeerSelectorTests {
    static func peer(_ id: Int, type: String = "outbound-full-relay", services: [String] = ["NETWORK", "WITNESS"],
                     version: Int = 70016, inbound: Bool = false) throws -> BitcoindPeerInfo {
        let json: [String: Any] = [
            "id": id, "connection_type": type, "servicesnames": services, "version": version, "inbound": inbound,
        ]
        return try JSONDecoder().decode(BitcoindPeerInfo.self, from: JSONSerialization.data(withJSONObject: json))
    }

    @Test func eligibility() throws {
        #expect(PeerSelector.isEligible(try Self.peer(1), blockHeight: 10, tipHeight: 1000))
        #expect(!PeerSelector.isEligible(try Self.peer(1, type: "inbound", inbound: true), blockHeight: 10, tipHeight: 1000))
        #expect(!PeerSelector.isEligible(try Self.peer(1, type: "feeler"), blockHeight: 10, tipHeight: 1000))
        #expect(!PeerSelector.isEligible(try Self.peer(1, type: "addr-fetch"), blockHeight: 10, tipHeight: 1000))
        #expect(PeerSelector.isEligible(try Self.peer(1, type: "block-relay-only"), blockHeight: 10, tipHeight: 1000))
        #expect(!PeerSelector.isEligible(try Self.peer(1, version: 0), blockHeight: 10, tipHeight: 1000))
        #expect(!PeerSelector.isEligible(try Self.peer(1, services: ["NETWORK"]), blockHeight: 10, tipHeight: 1000))
        let limited = try Self.peer(1, services: ["NETWORK_LIMITED", "WITNESS"])
        #expect(PeerSelector.isEligible(limited, blockHeight: 1000 - 287, tipHeight: 1000))
        #expect(!PeerSelector.isEligible(limited, blockHeight: 1000 - 288, tipHeight: 1000))
        #expect(!PeerSelector.isEligible(limited, blockHeight: nil, tipHeight: 1000))
    }

    @Test func rotatesAndNeverRetriesTheLastFailingPeer() throws {
        let peers = try [3, 1, 2].map { try Self.peer($0) } + [try Self.peer(9, type: "inbound", inbound: true)]
        var selector = PeerSelector()
        #expect(selector.next(from: peers, blockHeight: 5, tipHeight: 10, tried: []) == 1)
        #expect(selector.next(from: peers, blockHeight: 5, tipHeight: 10, tried: []) == 2)
        #expect(selector.next(from: peers, blockHeight: 5, tipHeight: 10, tried: []) == 3)
        #expect(selector.next(from: peers, blockHeight: 5, tipHeight: 10, tried: []) == 1)
        selector.failed(1)
        // Rotation continues after 1, and 1 is skipped while it is the last failure.
        #expect(selector.next(from: peers, blockHeight: 5, tipHeight: 10, tried: [2]) == 3)
        #expect(selector.next(from: peers, blockHeight: 5, tipHeight: 10, tried: [2, 3]) == nil)
        selector.delivered(1)
        #expect(selector.next(from: peers, blockHeight: 5, tipHeight: 10, tried: [2, 3]) == 1)
    }

    @Test func onlyPeerThatFailedIsNotAskedAgainImmediately() throws {
        var selector = PeerSelector()
        let peers = [try Self.peer(4)]
        #expect(selector.next(from: peers, blockHeight: 1, tipHeight: 2, tried: []) == 4)
        selector.failed(4)
        #expect(selector.next(from: peers, blockHeight: 1, tipHeight: 2, tried: []) == nil)
    }
}
