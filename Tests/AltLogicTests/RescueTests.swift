import AltLogic
import Altstack
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import Foundation
import Testing
import TestSupport
import Watchdog

/// AltLogicValidation end to end: two simnodes (Alice behind, Bob ahead), Alice's rescue over
/// real `altnet-driver-lightning` processes, Bob answering with Serving from his simnode.
@Suite(.serialized) struct RescueTests {
    /// Bob mines `missing` blocks on a common history of 5; Alice's rescue catches up.
    func rescue(missing: Int) async throws {
        let rig = try await TwoNodeRig.start()
        defer { Task { await rig.stop() } }
        try await rig.diverge(bobAhead: missing)
        let before = try await rig.alice.height
        #expect(before == 5)

        let report = await rig.validation().rescue(trigger: "stale-tip", anomalyID: 7)
        #expect(report.outcome == .caughtUp, "\(report)")
        #expect(report.anomalyID == 7)
        #expect(report.betterChainSeen)
        #expect(report.headersReceived == missing)
        #expect(report.headersSubmitted == missing)
        #expect(report.blocksSubmitted == missing)
        #expect(report.drivers == ["ln-a1"])
        #expect(report.heightBefore == 5 && report.heightAfter == 5 + missing)
        #expect(try await rig.alice.tip == rig.bob.tip)
        #expect(report.firstHeaderMs != nil && report.caughtUpMs != nil)
        await rig.stop()
    }

    @Test("rescue over Lightning alone: 10 missing blocks, headers and blocks")
    func rescue10() async throws { try await rescue(missing: 10) }

    @Test("rescue over Lightning alone: 2,100 missing blocks (two getheaders rounds)")
    func rescue2100() async throws { try await rescue(missing: 2_100) }

    /// Bob's answers carry a header whose proof of work is broken: nothing reaches Alice's
    /// bitcoind, and Alice's driver drops Bob.
    @Test("a peer feeding invalid headers changes nothing in bitcoind and is disconnected")
    func invalidHeaders() async throws {
        let rigBox = Locked<TwoNodeRig?>(nil)
        let rig = try await TwoNodeRig.start(responder: { stack, driver, peer, message in
            guard message.command == "getheaders", let rig = rigBox.value else { return }
            // Bob's real headers after Alice's tip, the third one with its nonce changed.
            let hashes = (try? await rig.bob.rpc.batch("getblockhash", (6...15).map { [.int($0)] }, as: String.self)) ?? []
            var headers: [BlockHeader] = []
            for case .success(let hex) in hashes {
                if let hash = try? BlockHash(displayHex: hex), let header = try? await rig.bob.rpc.getBlockHeader(hash) {
                    headers.append(header)
                }
            }
            if headers.count > 2 { headers[2].nonce &+= 1 }
            var w = ByteWriter()
            w.writeCompactSize(headers.count)
            for h in headers { h.write(to: &w); w.writeUInt8(0) }
            _ = try? await stack.supervisor(named: driver)?.call(
                Methods.sendMessage, SendMessageParams(peer: peer, message: .init(command: "headers", payload: w.bytes.hex)))
        })
        rigBox.value = rig
        defer { Task { await rig.stop() } }
        try await rig.diverge(bobAhead: 10)
        let tipsBefore = try await rig.alice.rpc.getChainTips()
        let infoBefore = try await rig.alice.rpc.getBlockchainInfo()

        let report = await rig.validation().rescue(trigger: "stale-tip")
        #expect(report.outcome == .invalidHeaders, "\(report)")
        #expect(report.headersSubmitted == 0 && report.blocksSubmitted == 0)
        #expect(!report.peersDropped.isEmpty)
        #expect(report.peersDropped.allSatisfy { $0.hasPrefix("ln-a1/") })
        // bitcoind saw nothing: same tip, same headers count, same chain tips.
        let infoAfter = try await rig.alice.rpc.getBlockchainInfo()
        #expect(infoAfter.bestBlockHash == infoBefore.bestBlockHash)
        #expect(infoAfter.headers == infoBefore.headers)
        #expect(try await rig.alice.rpc.getChainTips() == tipsBefore)
        // The driver dropped the peer (Bob's side saw the link go).
        var dropped = false
        for _ in 0..<250 where !dropped {
            dropped = rig.bobEvents.all.contains { if case .peerDisconnected = $0 { true } else { false } }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(dropped, "Bob's driver never saw the disconnection: \(rig.bobEvents.all.filter { if case .messageReceived = $0 { false } else { true } }) alice: \(rig.aliceEvents.all.filter { if case .messageReceived = $0 { false } else { true } })")
        await rig.stop()
    }

    /// Bob's better chain is below the configured minimum chain work (as bitcoind's
    /// `-minimumchainwork`): nothing of it reaches Alice's bitcoind.
    @Test("a better chain below minchainwork: nothing is submitted, the outcome says why")
    func belowMinimumChainWork() async throws {
        let rig = try await TwoNodeRig.start()
        defer { Task { await rig.stop() } }
        try await rig.diverge(bobAhead: 10)
        let tipsBefore = try await rig.alice.rpc.getChainTips()
        // Regtest blocks carry 2 units of work each: Bob's 16 blocks (genesis included) have 32.
        let report = await rig.validation { $0.minimumChainWork = UInt256(1_000) }.rescue(trigger: "stale-tip")
        #expect(report.outcome == .belowMinimumWork, "\(report)")
        #expect(report.sources.map(\.answer) == [.better])
        #expect(report.headersSubmitted == 0 && report.blocksSubmitted == 0)
        #expect(try await rig.alice.height == 5)
        #expect(try await rig.alice.rpc.getChainTips() == tipsBefore)
        await rig.stop()
    }

    /// Alice has more work of her own than Bob's branch: Bob's headers are valid but lower-work.
    @Test("a peer with a lower-work chain changes nothing in bitcoind")
    func lowerWork() async throws {
        let rig = try await TwoNodeRig.start()
        defer { Task { await rig.stop() } }
        try await rig.diverge(aliceOwn: 6, bobAhead: 3)
        let tipsBefore = try await rig.alice.rpc.getChainTips()
        let infoBefore = try await rig.alice.rpc.getBlockchainInfo()

        let validation = rig.validation()
        let report = await validation.rescue(trigger: "fetchheaders")
        // One source with nothing better is no quorum (2 by default): inconclusive, retried.
        #expect(report.outcome == .inconclusive, "\(report)")
        #expect(report.sources.map(\.answer) == [.nothingBetter])
        #expect(report.headersReceived == 3)
        #expect(!report.betterChainSeen)
        #expect(report.headersSubmitted == 0 && report.blocksSubmitted == 0 && report.peersDropped.isEmpty)
        let infoAfter = try await rig.alice.rpc.getBlockchainInfo()
        #expect(infoAfter.bestBlockHash == infoBefore.bestBlockHash && infoAfter.headers == infoBefore.headers)
        #expect(try await rig.alice.rpc.getChainTips() == tipsBefore)
        let tips = await validation.altChainTips()
        #expect(tips.first?.status == "lower-work")
        #expect(tips.first?.hash == (try await rig.bob.tip).displayHex)
        await rig.stop()
    }
}

/// A value guarded by a lock (for closures built before the value exists).
final class Locked<T>: @unchecked Sendable {
    // @unchecked: `stored` is guarded by `lock`.
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
