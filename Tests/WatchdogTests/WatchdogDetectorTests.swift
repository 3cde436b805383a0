import BitcoinPrimitives
import Foundation
import Testing
import Watchdog

/// Recorded-shape observations: JSON as bitcoind's RPC returns it, parsed the way an observer
/// would, then fed to each detector as a pure function.
enum Recorded {
    static let t0 = Date(timeIntervalSince1970: 1_732_000_000)

    static func hash(_ n: UInt64) -> BlockHash { BlockHash(Hash256(words: (n, 0xabc, 0, 0))) }

    /// `getchaintips` JSON (bitcoin/bitcoin src/rpc/blockchain.cpp shape) with each tip's
    /// `getblockheader` chainwork merged in by key `chainwork`, as an observer would.
    static func tips(_ json: String) throws -> [ChainTipObservation] {
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        return try array.map { t in
            ChainTipObservation(
                hash: try BlockHash(displayHex: try #require(t["hash"] as? String)),
                height: try #require(t["height"] as? Int),
                branchLength: try #require(t["branchlen"] as? Int),
                status: ChainTipStatus(rpc: try #require(t["status"] as? String)),
                chainWork: try (t["chainwork"] as? String).map { try ObservedWork(hex: $0) })
        }
    }

    /// `getpeerinfo` JSON, only the fields read; unknown fields ignored.
    static func peers(_ json: String) throws -> [PeerObservation] {
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        return try array.map { p in
            PeerObservation(id: try #require(p["id"] as? Int), address: try #require(p["addr"] as? String),
                            network: p["network"] as? String,
                            connectionType: try #require(p["connection_type"] as? String),
                            transport: p["transport_protocol_type"] as? String)
        }
    }

    static func peer(_ id: Int, _ addr: String, _ type: String = "outbound-full-relay", network: String = "ipv4",
                     transport: String = "v2") -> String {
        #"{"id": \#(id), "addr": "\#(addr)", "network": "\#(network)", "connection_type": "\#(type)", "transport_protocol_type": "\#(transport)", "bytessent": 1, "inflight": [], "new_field_from_v99": {"x": 1}}"#
    }

    static let activeHash = "0000000000000000000167e2a8a1ed0de1ac8c6df6b8d8f0e5e8c1e0ab5f3a11"
    static let activeWork = "0000000000000000000000000000000000000000956c6ea6fa3e3e5c3a5e1c20"

    static func observation(at: Date = t0, tips: [ChainTipObservation] = [], peers: [PeerObservation]? = nil,
                            tipTime: Date? = nil, ibd: Bool = false) throws -> ChainObservation {
        ChainObservation(at: at, bestBlockHash: try BlockHash(displayHex: activeHash), height: 870_000,
                         tipTime: tipTime ?? at, chainWork: try ObservedWork(hex: activeWork), headers: 870_000,
                         initialBlockDownload: ibd, tips: tips, peers: peers)
    }
}

@Suite struct WatchdogDetectorTests {
    let config = WatchdogConfig()

    // MARK: Stale tip

    @Test func staleTipThresholds() {
        let tip = Recorded.hash(1)
        let t0 = Recorded.t0
        #expect(StaleTipDetector.detect(tipSince: t0, tipHash: tip, height: 5, now: t0 + 1_799, config: config).isEmpty)
        let early = StaleTipDetector.detect(tipSince: t0, tipHash: tip, height: 5, now: t0 + 1_800, config: config)
        #expect(early.map(\.kind) == [.staleTipEarly])
        #expect(early.first?.severity == .warning)
        #expect(early.first?.evidence["seconds_since_tip"] == "1800")
        #expect(StaleTipDetector.detect(tipSince: t0, tipHash: tip, height: 5, now: t0 + 6_521, config: config).map(\.kind) == [.staleTipEarly])
        let stale = StaleTipDetector.detect(tipSince: t0, tipHash: tip, height: 5, now: t0 + 6_522, config: config)
        #expect(stale.map(\.kind) == [.staleTipEarly, .staleTip])
        #expect(stale.last?.severity == .critical)
        #expect(stale.last?.evidence["stale_threshold_seconds"] == "6522")
    }

    // MARK: Headers branch

    static let betterHeadersTips = """
    [
      {"height": 870000, "hash": "\(Recorded.activeHash)", "branchlen": 0, "status": "active"},
      {"height": 870002, "hash": "00000000000000000001aa00000000000000000000000000000000000000beef", "branchlen": 3,
       "status": "headers-only", "chainwork": "0000000000000000000000000000000000000000956c6ea6fa3e3e5c3a5e1c21"},
      {"height": 869990, "hash": "00000000000000000001bb00000000000000000000000000000000000000dead", "branchlen": 1,
       "status": "valid-fork", "chainwork": "0000000000000000000000000000000000000000956c6ea6fa3e3e5c3a5e1000"},
      {"height": 870005, "hash": "00000000000000000001cc00000000000000000000000000000000000000f00d", "branchlen": 6,
       "status": "invalid", "chainwork": "0000000000000000000000000000000000000000ff6c6ea6fa3e3e5c3a5e1c21"}
    ]
    """

    @Test func betterHeadersOnlyBranchFlaggedAfterItsGrace() throws {
        let o = try Recorded.observation(tips: try Recorded.tips(Self.betterHeadersTips))
        let better = try #require(UnconnectedBranchDetector.betterBranch(in: o))
        #expect(better.status == .headersOnly)  // the invalid tip with more work is ignored
        #expect(UnconnectedBranchDetector.detect(observation: o, betterBranchSince: o.at, now: o.at + 899, config: config).isEmpty)
        let f = UnconnectedBranchDetector.detect(observation: o, betterBranchSince: o.at, now: o.at + 900, config: config)
        #expect(f.map(\.kind) == [.unconnectedBranch])
        #expect(f.first?.evidence["branch_tip"] == "00000000000000000001aa00000000000000000000000000000000000000beef")
        #expect(f.first?.evidence["branch_status"] == "headers-only")
        #expect(f.first?.severity == .critical)
    }

    @Test func lessWorkOrConnectedBranchIsFine() throws {
        let json = """
        [{"height": 870000, "hash": "\(Recorded.activeHash)", "branchlen": 0, "status": "active"},
         {"height": 870001, "hash": "00000000000000000001aa00000000000000000000000000000000000000beef", "branchlen": 2,
          "status": "valid-headers", "chainwork": "\(Recorded.activeWork)"}]
        """
        let o = try Recorded.observation(tips: try Recorded.tips(json))
        #expect(UnconnectedBranchDetector.betterBranch(in: o) == nil)  // equal work is not better
        // Without work, height decides.
        let noWork = """
        [{"height": 870001, "hash": "00000000000000000001aa00000000000000000000000000000000000000beef", "branchlen": 2, "status": "valid-headers"}]
        """
        let o2 = try Recorded.observation(tips: try Recorded.tips(noWork))
        #expect(UnconnectedBranchDetector.betterBranch(in: o2)?.height == 870_001)
    }

    // MARK: Eclipse

    static let healthyPeers = "[" + [
        Recorded.peer(1, "203.0.113.5:8333"), Recorded.peer(2, "198.51.100.7:8333", transport: "v1"),
        Recorded.peer(3, "192.0.2.1:8333"), Recorded.peer(4, "[2001:db8::1]:8333", network: "ipv6"),
        Recorded.peer(5, "abcdefghijklmnop.onion:8333", network: "onion"), Recorded.peer(6, "100.64.1.1:8333"),
        Recorded.peer(7, "8.8.4.4:8333", "block-relay-only"), Recorded.peer(8, "9.9.9.9:8333", "block-relay-only"),
        Recorded.peer(9, "11.1.1.1:8333"), Recorded.peer(10, "12.1.1.1:8333"),
        Recorded.peer(11, "13.1.1.1:50000", "inbound"),
    ].joined(separator: ",") + "]"

    @Test func healthyPeerSetRaisesNothing() throws {
        #expect(EclipseDetector.detect(peers: try Recorded.peers(Self.healthyPeers), config: config).isEmpty)
    }

    @Test func fewOutboundOneNetgroupNoV2() throws {
        let peers = try Recorded.peers("[" + [
            Recorded.peer(1, "203.0.113.5:8333", transport: "v1"), Recorded.peer(2, "203.0.7.9:8333", transport: "v1"),
            Recorded.peer(3, "203.0.200.1:8333", "block-relay-only", transport: "v1"),
            Recorded.peer(4, "1.2.3.4:8333", "inbound"),       // inbound never counts
            Recorded.peer(5, "5.6.7.8:8333", "feeler"),        // short-lived
        ].joined(separator: ",") + "]")
        let f = EclipseDetector.detect(peers: peers, config: config)
        #expect(Set(f.map(\.kind)) == [.fewOutboundPeers, .outboundOneNetgroup, .noV2Outbound])
        #expect(f.first { $0.kind == .outboundOneNetgroup }?.evidence["group"] == "ipv4:203.0")
        #expect(f.first { $0.kind == .fewOutboundPeers }?.evidence["outbound_full_relay"] == "2")
        #expect(f.first { $0.kind == .noV2Outbound }?.severity == .info)
    }

    @Test func allOutboundReplacedBetweenPolls() throws {
        let before = try Recorded.peers(Self.healthyPeers)
        let after = try Recorded.peers("[" + (20..<28).map { Recorded.peer($0, "44.\($0).0.1:8333") }.joined(separator: ",") + "]")
        let f = try #require(EclipseDetector.replacement(previous: before, current: after, config: config))
        #expect(f.kind == .outboundReplaced)
        // One peer kept: not a full replacement.
        let kept = after + [before[0]]
        #expect(EclipseDetector.replacement(previous: before, current: kept, config: config) == nil)
        // Held for eventHoldSeconds, then gone.
        let t0 = Recorded.t0
        #expect(EclipseDetector.heldReplacement((t0, f), now: t0 + 599, config: config) == [f])
        #expect(EclipseDetector.heldReplacement((t0, f), now: t0 + 600, config: config).isEmpty)
    }

    @Test(arguments: [
        ("203.0.113.5:8333", "ipv4", "ipv4:203.0"),
        ("[2001:db8:1::5]:8333", "ipv6", "ipv6:2001:0db8"),
        ("[2001:db8::1]:8333", nil, "ipv6:2001:0db8"),
        ("[::ffff:10.1.2.3]:8333", "ipv6", "ipv4:10.1"),
        ("[::1]:8333", nil, "ipv6:0000:0000"),
        ("[fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa]:8333", "cjdns", "cjdns"),
        ("[fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa]:8333", nil, "cjdns"),
        ("abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion:8333", "onion", "onion"),
        ("ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p:0", nil, "i2p"),
        ("127.0.0.1:18444", "not_publicly_routable", "unroutable"),
        ("127.0.0.1:18444", nil, "ipv4:127.0"),
        ("garbage", nil, "unknown:garbage"),
    ] as [(String, String?, String)])
    func networkGroups(address: String, network: String?, group: String) {
        #expect(NetworkGroup.of(address: address, network: network) == group)
    }

    // MARK: Tip time, feeds, reachability

    @Test func tipTimeBehindOnlyWhenSynced() throws {
        let now = Recorded.t0
        let old = now - 6 * 3_600
        #expect(TipTimeDetector.detect(observation: try Recorded.observation(tipTime: old, ibd: true), now: now, config: config).isEmpty)
        let f = TipTimeDetector.detect(observation: try Recorded.observation(tipTime: old), now: now, config: config)
        #expect(f.map(\.kind) == [.tipTimeBehind])
        #expect(f.first?.evidence["seconds_behind"] == "21600")
        #expect(TipTimeDetector.detect(observation: try Recorded.observation(tipTime: now - 3_600), now: now, config: config).isEmpty)
    }

    @Test func zmqSilentAndRPCBehind() {
        let t0 = Recorded.t0
        var state = FeedState()
        state.recordRPCTip(Recorded.hash(1))
        // RPC moved to hash 2 at t0; ZMQ never said so.
        state.recordRPCTip(Recorded.hash(2))
        state.rpcTipChangedAt = t0
        #expect(FeedDetector.detect(state: state, rpcTip: Recorded.hash(2), now: t0 + 59, config: config).isEmpty)
        #expect(FeedDetector.detect(state: state, rpcTip: Recorded.hash(2), now: t0 + 60, config: config).map(\.kind) == [.zmqSilent])
        // ZMQ announced it: fine.
        state.recordZMQBlock(Recorded.hash(2), at: t0 + 1)
        #expect(FeedDetector.detect(state: state, rpcTip: Recorded.hash(2), now: t0 + 600, config: config).isEmpty)
        // ZMQ announces 3; RPC never shows it.
        state.recordZMQBlock(Recorded.hash(3), at: t0 + 700)
        #expect(FeedDetector.detect(state: state, rpcTip: Recorded.hash(2), now: t0 + 759, config: config).isEmpty)
        #expect(FeedDetector.detect(state: state, rpcTip: Recorded.hash(2), now: t0 + 760, config: config).map(\.kind) == [.rpcBehindZMQ])
        // Disconnected (sequence D): no longer expected.
        state.forgetZMQBlock(Recorded.hash(3))
        #expect(FeedDetector.detect(state: state, rpcTip: Recorded.hash(2), now: t0 + 800, config: config).isEmpty)
        // ZMQ not configured: no cross-checks.
        var noZMQ = config
        noZMQ.zmqEnabled = false
        state.rpcTipChangedAt = t0 + 900
        state.recordRPCTip(Recorded.hash(4))
        #expect(FeedDetector.detect(state: state, rpcTip: Recorded.hash(4), now: t0 + 2_000, config: noZMQ).isEmpty)
    }

    @Test func gapIsHeldThenExpires() {
        var state = FeedState()
        state.lastGap = FeedState.Held(at: Recorded.t0, finding: FeedDetector.gapFinding(source: "hashblock", missed: 3))
        let f = FeedDetector.detect(state: state, rpcTip: nil, now: Recorded.t0 + 10, config: config)
        #expect(f.map(\.kind) == [.zmqGap])
        #expect(f.first?.evidence["missed"] == "3")
        #expect(FeedDetector.detect(state: state, rpcTip: nil, now: Recorded.t0 + 600, config: config).isEmpty)
    }

    @Test func unreachable() {
        #expect(UnreachableDetector.detect(failingSince: nil, failures: 0, lastError: "", now: Recorded.t0).isEmpty)
        let f = UnreachableDetector.detect(failingSince: Recorded.t0, failures: 3, lastError: "connection refused", now: Recorded.t0 + 30)
        #expect(f.map(\.kind) == [.bitcoindUnreachable])
        #expect(f.first?.kind.category == .bitcoind)
        #expect(f.first?.evidence["failed_polls"] == "3")
    }

    @Test func chainworkParsing() throws {
        #expect(try ObservedWork(hex: "0x1".dropFirst(2).description) == ObservedWork(1))
        #expect(try ObservedWork(hex: Recorded.activeWork) < ObservedWork(hex: "0000000000000000000000000000000000000000956c6ea6fa3e3e5c3a5e1c21"))
        #expect(throws: (any Error).self) { try ObservedWork(hex: String(repeating: "ff", count: 33)) }
        #expect(throws: (any Error).self) { try ObservedWork(hex: "zz") }
    }
}
