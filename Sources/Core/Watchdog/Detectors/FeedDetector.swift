import BitcoinPrimitives
import Foundation

/// What the watchdog remembers about the two feeds (ZMQ pushes, RPC polls), bounded.
public struct FeedState: Sendable, Equatable {
    /// A one-off event (ZMQ gap, outbound replacement) and when it happened.
    public struct Held: Sendable, Equatable {
        public var at: Date
        public var finding: Finding
        public init(at: Date, finding: Finding) {
            self.at = at
            self.finding = finding
        }
    }

    /// A block hash and when ZMQ announced it.
    public struct Arrival: Sendable, Equatable {
        public var hash: BlockHash
        public var at: Date
        public init(hash: BlockHash, at: Date) {
            self.hash = hash
            self.at = at
        }
    }

    /// How many recent block hashes each side remembers.
    public static let memory = 256

    /// Block hashes ZMQ announced (hashblock or sequence C), with arrival time, newest last.
    public private(set) var zmqBlocks: [Arrival] = []
    /// Hashes RPC has shown as its best block, with the order they were first shown in.
    public private(set) var rpcTips: [BlockHash: Int] = [:]
    private var rpcTipCounter = 0
    /// When RPC's best block last changed; nil while it is still the one seen at start.
    public var rpcTipChangedAt: Date?
    /// The last lost-messages event.
    public var lastGap: Held?

    public init() {}

    public mutating func recordZMQBlock(_ hash: BlockHash, at: Date) {
        zmqBlocks.removeAll { $0.hash == hash }
        zmqBlocks.append(Arrival(hash: hash, at: at))
        if zmqBlocks.count > Self.memory { zmqBlocks.removeFirst(zmqBlocks.count - Self.memory) }
    }

    /// A block ZMQ announced was disconnected: RPC is no longer expected to show it.
    public mutating func forgetZMQBlock(_ hash: BlockHash) { zmqBlocks.removeAll { $0.hash == hash } }

    public mutating func recordRPCTip(_ hash: BlockHash) {
        guard rpcTips[hash] == nil else { return }
        rpcTipCounter += 1
        rpcTips[hash] = rpcTipCounter
        // Prune in batches to keep this O(1) amortised: keep the newest `memory`.
        if rpcTips.count > 2 * Self.memory {
            let cutoff = rpcTipCounter - Self.memory
            rpcTips = rpcTips.filter { $0.value > cutoff }
        }
    }

    /// When ZMQ announced `hash`, if it did.
    public func zmqArrival(of hash: BlockHash) -> Date? { zmqBlocks.last { $0.hash == hash }?.at }
}

/// Cross-checks of the ZMQ feed against RPC, and ZMQ message loss. Pure.
public enum FeedDetector {
    /// - Parameters:
    ///   - state: the remembered feed history.
    ///   - rpcTip: RPC's current best block (nil when RPC is not reachable: cross-checks skip).
    ///   - now: the evaluation time.
    ///   - config: ``WatchdogConfig/zmqEnabled``, ``WatchdogConfig/feedLagSeconds``,
    ///     ``WatchdogConfig/eventHoldSeconds``.
    /// - Returns: ``AnomalyKind/zmqSilent``, ``AnomalyKind/rpcBehindZMQ`` and ``AnomalyKind/zmqGap`` findings.
    public static func detect(state: FeedState, rpcTip: BlockHash?, now: Date, config: WatchdogConfig) -> [Finding] {
        var findings: [Finding] = []
        if let gap = state.lastGap, now.timeIntervalSince(gap.at) < config.eventHoldSeconds {
            findings.append(gap.finding)
        }
        guard config.zmqEnabled, let rpcTip else { return findings }
        if let changed = state.rpcTipChangedAt, state.zmqArrival(of: rpcTip) == nil,
           now.timeIntervalSince(changed) >= config.feedLagSeconds {
            findings.append(Finding(
                kind: .zmqSilent, severity: .warning,
                reason: "RPC shows a new tip for \(Int(now.timeIntervalSince(changed))) s that ZMQ never announced",
                evidence: ["rpc_tip": rpcTip.displayHex,
                           "last_zmq_block": state.zmqBlocks.last?.hash.displayHex ?? "none",
                           "last_zmq_block_age_seconds": state.zmqBlocks.last.map { String(Int(now.timeIntervalSince($0.at))) } ?? "never"]))
        }
        if let latest = state.zmqBlocks.last, state.rpcTips[latest.hash] == nil,
           now.timeIntervalSince(latest.at) >= config.feedLagSeconds {
            findings.append(Finding(
                kind: .rpcBehindZMQ, severity: .warning,
                reason: "ZMQ announced a block \(Int(now.timeIntervalSince(latest.at))) s ago that RPC has never shown as its tip",
                evidence: ["zmq_block": latest.hash.displayHex, "rpc_tip": rpcTip.displayHex]))
        }
        return findings
    }

    /// The finding for lost ZMQ messages, to be held by the engine.
    /// - Parameters:
    ///   - source: the topic, or "buffer" for consumer lag.
    ///   - missed: how many messages were lost.
    /// - Returns: a warning ``AnomalyKind/zmqGap``.
    public static func gapFinding(source: String, missed: UInt64) -> Finding {
        Finding(kind: .zmqGap, severity: .warning,
                reason: "\(missed) ZMQ message(s) lost on \(source); the chain is re-read over RPC",
                evidence: ["source": source, "missed": String(missed)])
    }
}
