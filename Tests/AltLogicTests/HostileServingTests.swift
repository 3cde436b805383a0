import AltLogic
import Altstack
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// Issue 15, serving budgets: one peer looping `getheaders` from genesis (each answer 2,000
/// headers: about 4,000 RPC calls without a cache) costs Bob's bitcoind a bounded number of RPC
/// calls per second, counted on simnode (`simrpccount`); another peer's request is answered.
@Suite(.serialized) struct HostileServingTests {
    /// Serving's budget in this test: 5 requests/s per peer, burst 10, 4 may wait.
    static let limits = ServingLimits(peerRequestsPerSecond: 5, driverRequestsPerSecond: 50, maxConcurrent: 4, maxWaitingPerPeer: 4)
    /// bitcoind RPC calls per second allowed while the attack runs, once the first answer has
    /// filled the header cache (that one costs about 4,000 calls: 2,000 hashes and 2,000
    /// headers, bound `firstAnswerBound`): at most the peer's request budget, 5 per second.
    /// Measured: about one getblockchaininfo per second (the tip check).
    static let rpcPerSecondBound = 5.0
    static let firstAnswerBound = 4_100

    /// Builds one Serving on first use (it needs Bob's Altstack) and shares it.
    final class Holder: @unchecked Sendable {
        private let lock = NSLock()
        private var serving: Serving?
        func get(_ make: () -> Serving) -> Serving {
            lock.withLock {
                if let serving { return serving }
                let made = make()
                serving = made
                return made
            }
        }
    }

    @Test func hostileGetHeadersLoopStaysUnderTheRPCBudget() async throws {
        let holder = Holder()
        let servingBox = LockedServing()
        let rpcBox = LockedRPC()
        let rig = try await TwoNodeRig.start(links: 2) { stack, driver, peer, message in
            guard let rpc = rpcBox.value else { return }
            let serving = holder.get { Serving(altstack: stack, bitcoind: rpc, chain: .regtest, logger: .init(label: "serving-test"), limits: Self.limits) }
            servingBox.value = serving
            await serving.handle(driver: driver, peer: peer, message: message)
        }
        defer { Task { await rig.stop() } }
        rpcBox.value = rig.bob.rpc
        let hashes = try await rig.bob.mine(2_050)
        try #require(await rig.waitLinked())
        let attackerLink = try #require(rig.aliceStack.supervisor(named: "ln-a1"))
        let honestLink = try #require(rig.aliceStack.supervisor(named: "ln-a2"))
        let fromGenesis = P2PMessage.getheaders(.init(version: 70016, locator: [ChainParams.regtest.genesisHash]))
        let request = DriverP2PMessage(command: "getheaders", payload: fromGenesis.encodePayload().hex)

        // The first answer fills the cache: one range, once.
        let coldBefore = try await rig.bob.rpc.simRPCCount()
        let first = try #require(try await Self.ask(honestLink, request))
        #expect(first.count == 2_000)
        let coldCalls = try await rig.bob.rpc.simRPCCount() - coldBefore
        #expect(coldCalls <= Self.firstAnswerBound)

        let rssBefore = try ResidentMemory.kib()
        let callsBefore = try await rig.bob.rpc.simRPCCount()
        let start = ContinuousClock.now
        let window: Duration = .seconds(6)
        // The attacker pushes getheaders as fast as its link takes them (no reply awaited).
        let attack = Task {
            var sent = 0
            while ContinuousClock.now - start < window {
                do throws(DriverProtocolError) {
                    _ = try await attackerLink.call(Methods.sendMessage, SendMessageParams(peer: nil, message: request, expect: []))
                    sent += 1
                } catch {
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
            return sent
        }
        // Meanwhile the honest peer asks once a second and is answered.
        var honestAnswers = 0
        try await Task.sleep(for: .seconds(1))
        while ContinuousClock.now - start < window {
            if let headers = try await Self.ask(honestLink, request) {
                #expect(headers.first?.hash == hashes.first)
                #expect(headers.count == 2_000)
                honestAnswers += 1
            }
            try await Task.sleep(for: .milliseconds(700))
        }
        let sent = await attack.value
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let calls = try await rig.bob.rpc.simRPCCount() - callsBefore
        let perSecond = Double(calls) / seconds
        let rssAfter = try ResidentMemory.kib()
        let stats = try #require(servingBox.value).stats
        print("hostile getheaders: first answer cost \(coldCalls) RPC calls (bound \(Self.firstAnswerBound)); attacker sent \(sent) in \(seconds) s; bitcoind RPC calls \(calls) (\(perSecond)/s, bound \(Self.rpcPerSecondBound)); "
              + "serving admitted \(stats.admitted), refused \(stats.refused.map { "\($0.key.rawValue)=\($0.value)" }); honest answers \(honestAnswers); test RSS \(rssBefore) -> \(rssAfter) KiB")
        #expect(sent > 50, "the attack did not run: \(sent) requests")
        #expect(perSecond < Self.rpcPerSecondBound)
        #expect(honestAnswers >= 3)
        // The attacker's requests beyond its 5/s (burst 10) and its queue of 4 were refused before
        // costing anything: at most burst + rate x time (+2 s of slack) + queue were not.
        let mostServedOrQueued = 10 + 5 * (seconds + 2) + Double(Self.limits.maxWaitingPerPeer)
        #expect(Double(sent) > mostServedOrQueued + 10, "the attack was too slow to exceed its budget: \(sent)")
        #expect(Double(stats.refused[.peerRequests] ?? 0) >= Double(sent) - mostServedOrQueued)
        #expect(Double(stats.admitted) < 10 + 5 * (seconds + 2) * 2 + Double(honestAnswers) + 1)
        #expect(rssAfter - rssBefore < 200 * 1024)
        await rig.stop()
    }

    /// One getheaders through a link, awaiting the headers reply; nil (recorded) on failure.
    static func ask(_ link: DriverSupervisor, _ request: DriverP2PMessage) async throws -> [BlockHeader]? {
        let frame: RPCFrame
        do throws(DriverProtocolError) {
            frame = try await link.call(Methods.sendMessage, SendMessageParams(peer: nil, message: request, expect: ["headers"]),
                                        timeout: .seconds(10))
        } catch {
            Issue.record("honest request failed: \(error)")
            return nil
        }
        let result = try frame.result(as: SendMessageResult.self)
        guard let reply = result.replies.first(where: { $0.command == "headers" }),
              case .headers(let headers) = try P2PMessage.decode(command: .headers, payload: try [UInt8](hex: reply.payload))
        else { return nil }
        return headers
    }
}

/// The Serving the responder made, for its stats.
final class LockedServing: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Serving?
    var value: Serving? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// Bob's RPC client, set once the rig is up.
final class LockedRPC: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: BitcoindRPCClient?
    var value: BitcoindRPCClient? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
