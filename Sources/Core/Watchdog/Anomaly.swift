import Foundation

/// How urgent an anomaly is.
public enum AnomalySeverity: Int, Sendable, Comparable, CustomStringConvertible {
    /// Worth knowing; no action expected (e.g. no v2 peers).
    case info = 0
    /// Something may be wrong; keep watching (e.g. Core's 3x-spacing stale-tip rule).
    case warning = 1
    /// Likely wrong; altnet acts (e.g. stale tip past the Poisson threshold, better branch never connected).
    case critical = 2

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { ["info", "warning", "critical"][rawValue] }
}

/// What kind of anomaly. The raw value is the stable name shown by `altnet-cli listanomalies`.
public enum AnomalyKind: String, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    /// No new block for longer than Core's 3x target spacing (early, low severity).
    case staleTipEarly = "stale-tip-early"
    /// No new block for longer than the Poisson-derived threshold.
    case staleTip = "stale-tip"
    /// A headers-only / valid-headers branch with more work than the active tip stays unconnected.
    case unconnectedBranch = "unconnected-branch"
    /// Fewer outbound full-relay peers than expected.
    case fewOutboundPeers = "few-outbound-peers"
    /// Every outbound peer in one network group.
    case outboundOneNetgroup = "outbound-one-netgroup"
    /// No outbound peer over BIP324 v2.
    case noV2Outbound = "no-v2-outbound"
    /// Every outbound peer replaced between two observations.
    case outboundReplaced = "outbound-replaced"
    /// The tip's timestamp is far behind the clock while bitcoind says it is synced.
    case tipTimeBehind = "tip-time-behind"
    /// RPC shows a new tip that ZMQ never announced.
    case zmqSilent = "zmq-silent"
    /// ZMQ announced a block that RPC does not show.
    case rpcBehindZMQ = "rpc-behind-zmq"
    /// ZMQ messages were lost (counter gap or consumer lag).
    case zmqGap = "zmq-gap"
    /// bitcoind's RPC cannot be reached. Never a chain anomaly.
    case bitcoindUnreachable = "bitcoind-unreachable"
    /// AltLogic's cross-check saw a valid chain with more work than bitcoind's over altnet (a
    /// slow, low-work chain fed to bitcoind). Raised by AltLogic, not by a detector.
    case altnetBetterChain = "altnet-better-chain"

    /// What the anomaly is about; only `chain` kinds say anything about the chain itself.
    public enum Category: String, Sendable { case chain, peers, feed, bitcoind }

    public var category: Category {
        switch self {
        case .staleTipEarly, .staleTip, .unconnectedBranch, .tipTimeBehind, .altnetBetterChain: return .chain
        case .fewOutboundPeers, .outboundOneNetgroup, .noV2Outbound, .outboundReplaced: return .peers
        case .zmqSilent, .rpcBehindZMQ, .zmqGap: return .feed
        case .bitcoindUnreachable: return .bitcoind
        }
    }

    public var description: String { rawValue }
}

/// A condition one detector found true at one moment: what, how bad, why, with evidence.
/// The ``AnomalyTracker`` turns findings over time into ``Anomaly`` values with a lifecycle.
public struct Finding: Sendable, Equatable {
    public var kind: AnomalyKind
    public var severity: AnomalySeverity
    /// Distinguishes several anomalies of one kind (empty when there is at most one).
    public var subject: String
    /// One sentence for a person.
    public var reason: String
    /// The observed values behind the reason, by name.
    public var evidence: [String: String]

    public init(kind: AnomalyKind, severity: AnomalySeverity, subject: String = "", reason: String, evidence: [String: String] = [:]) {
        self.kind = kind
        self.severity = severity
        self.subject = subject
        self.reason = reason
        self.evidence = evidence
    }

    /// The dedup key: one open anomaly per key.
    public var key: String { subject.isEmpty ? kind.rawValue : "\(kind.rawValue):\(subject)" }
}

/// An anomaly with its lifecycle: opened at `start`, closed at `end` (nil while open).
public struct Anomaly: Sendable, Equatable, Identifiable {
    /// Unique per tracker, increasing.
    public let id: UInt64
    public let kind: AnomalyKind
    public let key: String
    public internal(set) var severity: AnomalySeverity
    public internal(set) var reason: String
    public internal(set) var evidence: [String: String]
    public let start: Date
    public internal(set) var end: Date?
    /// The last time a detector found the condition true.
    public internal(set) var lastSeen: Date
    /// What AltLogic's rescue made of it (``AnomalyBoard/resolve(id:outcome:)``), e.g. `caught-up`.
    public internal(set) var outcome: String? = nil

    public var isOpen: Bool { end == nil }
}

/// A change in the set of anomalies.
public enum AnomalyChange: Sendable, Equatable {
    case opened(Anomaly)
    /// Severity changed while open (reason and evidence refresh silently).
    case updated(Anomaly)
    case closed(Anomaly)

    public var anomaly: Anomaly {
        switch self {
        case .opened(let a), .updated(let a), .closed(let a): return a
        }
    }
}
