import BitcoinPrimitives
import Foundation
import Testing
import Watchdog

/// The anomaly lifecycle and the engine's rules about what each input may open or close.
@Suite struct WatchdogEngineTests {
    let t0 = Recorded.t0

    func finding(_ kind: AnomalyKind, _ severity: AnomalySeverity = .warning, subject: String = "", reason: String = "r") -> Finding {
        Finding(kind: kind, severity: severity, subject: subject, reason: reason)
    }

    @Test func trackerOpensUpdatesClosesAndDedups() {
        var tracker = AnomalyTracker()
        let all = Set(AnomalyKind.allCases)
        var changes = tracker.update(findings: [finding(.staleTipEarly), finding(.staleTipEarly)], evaluated: all, at: t0)
        #expect(changes.count == 1)
        guard case .opened(let a) = changes.first else { Issue.record("not opened"); return }
        #expect(a.isOpen && a.start == t0 && a.id == 1 && a.key == "stale-tip-early")
        // Same condition again: no change event; severity change: one update, same id and start.
        #expect(tracker.update(findings: [finding(.staleTipEarly)], evaluated: all, at: t0 + 1).isEmpty)
        changes = tracker.update(findings: [finding(.staleTipEarly, .critical)], evaluated: all, at: t0 + 2)
        #expect(changes.map(\.anomaly.id) == [1])
        #expect(changes.first?.anomaly.severity == .critical)
        // Two subjects of one kind are two anomalies.
        changes = tracker.update(findings: [finding(.staleTipEarly, .critical), finding(.zmqGap, subject: "a"), finding(.zmqGap, subject: "b")],
                                 evaluated: all, at: t0 + 3)
        #expect(changes.map(\.anomaly.key) == ["zmq-gap:a", "zmq-gap:b"])
        // A kind not evaluated this round stays open; an evaluated one closes with an end.
        changes = tracker.update(findings: [], evaluated: [.staleTipEarly], at: t0 + 4)
        #expect(changes.count == 1)
        guard case .closed(let c) = changes.first else { Issue.record("not closed"); return }
        #expect(c.id == 1 && c.end == t0 + 4 && c.start == t0 && !c.isOpen)
        #expect(tracker.open.count == 2)
        // Reopening later is a new anomaly with a new id.
        changes = tracker.update(findings: [finding(.staleTipEarly)], evaluated: all, at: t0 + 5)
        let reopened: [UInt64] = changes.compactMap { if case .opened(let a) = $0 { a.id } else { nil } }
        #expect(reopened == [4])
    }

    func observation(_ height: Int, at: Date, peers: [PeerObservation]? = nil) -> ChainObservation {
        ChainObservation(at: at, bestBlockHash: Recorded.hash(UInt64(height)), height: height, tipTime: at,
                         chainWork: ObservedWork(UInt64(height)), headers: height, initialBlockDownload: false, peers: peers)
    }

    @Test func unreachableIsItsOwnKindAndFreezesChainAnomalies() {
        var config = WatchdogConfig()
        config.staleTipSeconds = 100
        config.zmqEnabled = false
        var engine = WatchdogEngine(config: config)
        _ = engine.observe(observation(1, at: t0))
        var changes = engine.evaluate(at: t0 + 100)
        #expect(Set(changes.map(\.anomaly.kind)) == [.staleTip, .staleTipEarly])
        // bitcoind goes away: only the unreachable anomaly opens; the stale tip stays as it was.
        changes = engine.rpcFailed("connection refused", at: t0 + 110)
        #expect(changes.map(\.anomaly.kind) == [.bitcoindUnreachable])
        #expect(changes.allSatisfy { $0.anomaly.kind.category != .chain })
        #expect(engine.rpcFailed("connection refused", at: t0 + 120).isEmpty)
        // Back, with a new block: unreachable and stale tip both close.
        changes = engine.observe(observation(2, at: t0 + 130))
        let closedKinds: Set<AnomalyKind> = Set(changes.compactMap { if case .closed(let a) = $0 { a.kind } else { nil } })
        #expect(closedKinds == [.bitcoindUnreachable, .staleTip, .staleTipEarly])
        #expect(engine.openAnomalies.isEmpty)
    }

    @Test func zmqBlockClearsStaleTipBeforeRPCSeesIt() {
        var config = WatchdogConfig()
        config.staleTipSeconds = 100
        var engine = WatchdogEngine(config: config)
        _ = engine.observe(observation(1, at: t0))
        #expect(engine.evaluate(at: t0 + 100).contains { $0.anomaly.kind == .staleTip })
        let changes = engine.feed(.blockConnected(Recorded.hash(2)), at: t0 + 101)
        #expect(changes.contains { if case .closed(let a) = $0 { a.kind == .staleTip } else { false } })
        // RPC catches up within the feed lag: no feed anomaly.
        #expect(engine.observe(observation(2, at: t0 + 102)).isEmpty)
        #expect(engine.evaluate(at: t0 + 170).isEmpty)
    }

    @Test func gapEventOpensThenExpires() {
        var engine = WatchdogEngine(config: WatchdogConfig())
        _ = engine.observe(observation(1, at: t0))
        let opened = engine.feed(.gap(topic: "hashblock", missed: 2), at: t0 + 1)
        #expect(opened.map(\.anomaly.kind) == [.zmqGap])
        #expect(engine.evaluate(at: t0 + 600).isEmpty)
        #expect(engine.evaluate(at: t0 + 601).map(\.anomaly.kind) == [.zmqGap])  // closed after the hold
    }

    @Test func peersReplacedWholesale() throws {
        var config = WatchdogConfig()
        config.minOutboundFullRelay = 1
        config.expectV2Outbound = false
        var engine = WatchdogEngine(config: config)
        let a = try Recorded.peers("[" + (1...4).map { Recorded.peer($0, "\($0 * 10).1.0.1:8333") }.joined(separator: ",") + "]")
        let b = try Recorded.peers("[" + (5...8).map { Recorded.peer($0, "\($0 * 10).1.0.1:8333") }.joined(separator: ",") + "]")
        #expect(engine.observe(observation(1, at: t0, peers: a)).isEmpty)
        let changes = engine.observe(observation(1, at: t0 + 10, peers: b))
        #expect(changes.map(\.anomaly.kind) == [.outboundReplaced])
        // A poll without peers keeps the last peer list and the held event.
        #expect(engine.observe(observation(1, at: t0 + 20)).isEmpty)
    }
}
