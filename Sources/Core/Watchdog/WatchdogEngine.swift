import BitcoinPrimitives
import Foundation

/// The watchdog's state machine: remembers what the feeds showed, runs every detector, and
/// keeps the anomalies' lifecycle. Sans-I/O: observations and events in (each with its time),
/// ``AnomalyChange`` values out. ``WatchdogService`` drives it; tests and simulations drive it
/// directly with recorded or synthetic observations.
public struct WatchdogEngine: Sendable {
    public let config: WatchdogConfig
    public private(set) var tracker = AnomalyTracker()
    /// The latest successful RPC poll.
    public private(set) var lastObservation: ChainObservation?
    /// The latest peer list (kept when a poll did not fetch peers).
    public private(set) var lastPeers: [PeerObservation]?
    /// The current tip as the fastest feed announced it, and when.
    public private(set) var currentTip: BlockHash?
    public private(set) var tipSince: Date?
    public private(set) var feed = FeedState()
    private var betterBranchSince: Date?
    private var lastReplacement: FeedState.Held?
    private var rpcFailingSince: Date?
    private var rpcFailures = 0
    private var rpcLastError = ""

    public init(config: WatchdogConfig) { self.config = config }

    /// The open anomalies, oldest first.
    public var openAnomalies: [Anomaly] { tracker.open.values.sorted { $0.id < $1.id } }

    // MARK: Inputs

    /// Records a successful RPC poll and evaluates.
    /// - Parameter o: the poll; `o.at` is its time.
    /// - Returns: the anomaly changes.
    public mutating func observe(_ o: ChainObservation) -> [AnomalyChange] {
        rpcFailingSince = nil
        rpcFailures = 0
        if lastObservation == nil {
            // At start the tip's arrival time is unknown: take its timestamp (never in the
            // future), or ZMQ's announcement if that came first.
            if currentTip != o.bestBlockHash || tipSince == nil {
                currentTip = o.bestBlockHash
                tipSince = feed.zmqArrival(of: o.bestBlockHash) ?? min(o.tipTime, o.at)
            }
        } else if o.bestBlockHash != lastObservation?.bestBlockHash {
            feed.rpcTipChangedAt = o.at
            if o.bestBlockHash != currentTip {
                currentTip = o.bestBlockHash
                tipSince = feed.zmqArrival(of: o.bestBlockHash) ?? o.at
            }
        }
        feed.recordRPCTip(o.bestBlockHash)
        if UnconnectedBranchDetector.betterBranch(in: o) != nil {
            betterBranchSince = betterBranchSince ?? o.at
        } else {
            betterBranchSince = nil
        }
        if let peers = o.peers {
            if let previous = lastPeers,
               let finding = EclipseDetector.replacement(previous: previous, current: peers, config: config) {
                lastReplacement = FeedState.Held(at: o.at, finding: finding)
            }
            lastPeers = peers
        }
        lastObservation = o
        return evaluate(at: o.at)
    }

    /// Records a failed RPC poll and evaluates.
    /// - Parameters:
    ///   - error: what went wrong, as text.
    ///   - now: when.
    /// - Returns: the anomaly changes.
    public mutating func rpcFailed(_ error: String, at now: Date) -> [AnomalyChange] {
        rpcFailingSince = rpcFailingSince ?? now
        rpcFailures += 1
        rpcLastError = error
        return evaluate(at: now)
    }

    /// Records a push-feed event and evaluates.
    /// - Parameters:
    ///   - event: the event.
    ///   - now: when it arrived.
    /// - Returns: the anomaly changes.
    public mutating func feed(_ event: FeedEvent, at now: Date) -> [AnomalyChange] {
        switch event {
        case .blockConnected(let hash):
            feed.recordZMQBlock(hash, at: now)
            if hash != currentTip {
                currentTip = hash
                tipSince = now
            }
        case .blockDisconnected(let hash):
            feed.forgetZMQBlock(hash)
        case .gap(let topic, let missed):
            feed.lastGap = FeedState.Held(at: now, finding: FeedDetector.gapFinding(source: topic, missed: missed))
        case .consumerLagged(let dropped):
            feed.lastGap = FeedState.Held(at: now, finding: FeedDetector.gapFinding(source: "buffer", missed: UInt64(max(dropped, 0))))
        case .publisherRestarted, .connected, .disconnected, .malformed:
            break
        }
        return evaluate(at: now)
    }

    // MARK: Evaluation

    /// Runs every detector whose inputs are available and updates the anomalies. The timer
    /// calls this so time-based anomalies appear even when no feed says anything.
    /// - Parameter now: the evaluation time.
    /// - Returns: the anomaly changes.
    public mutating func evaluate(at now: Date) -> [AnomalyChange] {
        var evaluated: Set<AnomalyKind> = [.bitcoindUnreachable, .zmqGap]
        var findings = UnreachableDetector.detect(failingSince: rpcFailingSince, failures: rpcFailures,
                                                  lastError: rpcLastError, now: now)
        let reachable = rpcFailingSince == nil
        if reachable, let o = lastObservation {
            evaluated.formUnion([.staleTip, .staleTipEarly, .unconnectedBranch, .tipTimeBehind, .zmqSilent, .rpcBehindZMQ])
            if let tip = currentTip, let since = tipSince {
                let height: Int? = tip == o.bestBlockHash ? o.height : nil
                findings += StaleTipDetector.detect(tipSince: since, tipHash: tip, height: height, now: now, config: config)
            }
            findings += UnconnectedBranchDetector.detect(observation: o, betterBranchSince: betterBranchSince, now: now, config: config)
            findings += TipTimeDetector.detect(observation: o, now: now, config: config)
            findings += FeedDetector.detect(state: feed, rpcTip: o.bestBlockHash, now: now, config: config)
            if let peers = lastPeers {
                evaluated.formUnion([.fewOutboundPeers, .outboundOneNetgroup, .noV2Outbound, .outboundReplaced])
                findings += EclipseDetector.detect(peers: peers, config: config)
                findings += EclipseDetector.heldReplacement(lastReplacement.map { ($0.at, $0.finding) }, now: now, config: config)
            }
        } else {
            findings += FeedDetector.detect(state: feed, rpcTip: nil, now: now, config: config)
        }
        return tracker.update(findings: findings, evaluated: evaluated, at: now)
    }
}
