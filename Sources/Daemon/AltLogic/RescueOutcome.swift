/// How a rescue or cross-check ended. Encoded (JSON, logs, anomaly outcomes, metrics) by its
/// ``name``: `caught-up`, `no-better-chain`, `inconclusive`, ..., `failed: <reason>`.
///
/// ```
///  bitcoind in IBD / still fetching blocks ─► bitcoind-syncing            (nothing asked)
///  no ready driver carries headers ──────────► no-eligible-driver
///  fan-out ─► a valid chain with more work than bitcoind's best header?
///     yes, but below the network's minimum chain work ─► below-minimum-work (nothing submitted)
///     yes ─► submitheader, blocks, submitblock ─► caught-up | failed: ...
///     no:  >= quorum independent sources said "nothing better" ─► no-better-chain
///          every source that answered sent invalid headers   ─► invalid-headers
///          otherwise (too few answers)                         ─► inconclusive (retried)
/// ```
public enum RescueOutcome: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// bitcoind's tip reached the better chain.
    case caughtUp
    /// At least the quorum of independent sources answered, and none had more work.
    case noBetterChain
    /// Too few independent sources answered to conclude anything; the anomaly stays open.
    case inconclusive
    /// No ready driver carries headers.
    case noEligibleDriver
    /// Every source that answered sent invalid headers (each was dropped).
    case invalidHeaders
    /// A valid chain with more work than bitcoind's, but less than the network's minimum chain
    /// work: refused, as Core refuses such headers (`-minimumchainwork`).
    case belowMinimumWork
    /// bitcoind is in initial block download or still downloading blocks for headers it has:
    /// no rescue until it is done (the reason says which).
    case bitcoindSyncing(String)
    /// Something failed (bitcoind refused a header or block, a block could not be fetched, the
    /// rescue's time ran out).
    case failed(String)

    /// The name used in JSON, logs and metrics.
    public var name: String {
        switch self {
        case .caughtUp: "caught-up"
        case .noBetterChain: "no-better-chain"
        case .inconclusive: "inconclusive"
        case .noEligibleDriver: "no-eligible-driver"
        case .invalidHeaders: "invalid-headers"
        case .belowMinimumWork: "below-minimum-work"
        case .bitcoindSyncing(let reason): "bitcoind-syncing: \(reason)"
        case .failed(let reason): "failed: \(reason)"
        }
    }

    /// The name without its reason (`failed`, `bitcoind-syncing`, ...), for metrics labels.
    public var kind: String {
        switch self {
        case .bitcoindSyncing: "bitcoind-syncing"
        case .failed: "failed"
        default: name
        }
    }

    /// The anomaly this answers should stay open and be asked again later.
    public var wantsRetry: Bool {
        switch self {
        case .inconclusive, .invalidHeaders, .noEligibleDriver, .bitcoindSyncing, .failed: true
        case .caughtUp, .noBetterChain, .belowMinimumWork: false
        }
    }

    public var description: String { name }

    /// Parses a ``name``.
    public init(name: String) {
        switch name {
        case "caught-up": self = .caughtUp
        case "no-better-chain": self = .noBetterChain
        case "inconclusive": self = .inconclusive
        case "no-eligible-driver": self = .noEligibleDriver
        case "invalid-headers": self = .invalidHeaders
        case "below-minimum-work": self = .belowMinimumWork
        default:
            if name.hasPrefix("bitcoind-syncing: ") {
                self = .bitcoindSyncing(String(name.dropFirst("bitcoind-syncing: ".count)))
            } else if name.hasPrefix("failed: ") {
                self = .failed(String(name.dropFirst("failed: ".count)))
            } else {
                self = .failed(name)
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(name: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
